/**
 * @module
 * Loads VAE weights and config from any of the layouts people have: a diffusers folder (`vae/`), a
 * single-file SD checkpoint (`first_stage_model.*`, with or without a yaml beside it), or a standalone
 * VAE file (LDM keys without prefix, as `vae-ft-mse-840000-ema-pruned.safetensors`, or diffusers keys).
 */
import { type WeightReader, withWeightReader } from '@momaflow/engine';
import {
  type CheckpointLayout,
  DIFFUSERS_WEIGHT_NAMES,
  findDiffusersComponent,
  ldmKey,
  readConfigJson,
  resolveCheckpointLayout,
  WeightMap,
  type WeightSelector,
} from '../ldm-config';
import {
  VAE_CONFIG_JSON_SCHEMA,
  type VaeConfig,
  vaeConfigFromJson,
  vaeConfigFromLdmYaml,
} from './vae-config';
import { diffusersVaeSelector, LDM_VAE_PREFIX, ldmVaeSelector } from './vae-keys';

/** Config and diffusers-named weights of one VAE. */
export interface VaeCheckpoint {
  readonly config: VaeConfig;
  readonly weights: WeightMap;
}

/** The key layout of a single file: diffusers names, or LDM names with or without `first_stage_model.`. */
function singleFileSelector(reader: WeightReader, levels: number): WeightSelector {
  const keys = reader.keys().map(ldmKey);
  if (keys.some((k) => k.startsWith(LDM_VAE_PREFIX))) return ldmVaeSelector(levels);
  if (keys.some((k) => k.startsWith('encoder.down_blocks.') || k.startsWith('decoder.up_blocks.'))) {
    return diffusersVaeSelector;
  }
  return ldmVaeSelector(levels, '');
}

/**
 * Load from an already resolved layout (a checkpoint loader resolves once for UNet, VAE and CLIP).
 * @example
 * const vae = await loadVaeFromLayout(await resolveCheckpointLayout(path));
 */
export async function loadVaeFromLayout(layout: CheckpointLayout): Promise<VaeCheckpoint> {
  if (layout.kind === 'diffusers') {
    const files = await findDiffusersComponent(layout.root, 'vae', DIFFUSERS_WEIGHT_NAMES.diffusers);
    const config = vaeConfigFromJson(await readConfigJson(files.configPath, VAE_CONFIG_JSON_SCHEMA));
    const weights = await withWeightReader(files.weightsPath, (r) => WeightMap.load(r, diffusersVaeSelector));
    return { config, weights };
  }
  const config = vaeConfigFromLdmYaml(layout.yaml);
  const weights = await withWeightReader(layout.file, (r) =>
    WeightMap.load(r, singleFileSelector(r, config.blockOutChannels.length)),
  );
  return { config, weights };
}

/**
 * Load a VAE from a diffusers folder, a single-file checkpoint or a standalone VAE file.
 * @example
 * const { config, weights } = await loadVae('models/checkpoints/v1-5-pruned-emaonly.safetensors');
 * const decoder = buildVaeDecoderGraph(weights, config);
 */
export async function loadVae(path: string): Promise<VaeCheckpoint> {
  return loadVaeFromLayout(await resolveCheckpointLayout(path));
}
