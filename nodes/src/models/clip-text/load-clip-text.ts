/**
 * @module
 * Loads a CLIP text encoder's config and HF-named weights from a diffusers folder (`text_encoder/`),
 * a single-file SD1.x checkpoint (`cond_stage_model.transformer.*`, yaml beside it or SD1.x
 * defaults), or a standalone transformers file (`text_model.*` keys).
 */
import { withWeightReader } from '@momaflow/engine';
import {
  type CheckpointLayout,
  DIFFUSERS_WEIGHT_NAMES,
  findDiffusersComponent,
  readConfigJson,
  resolveCheckpointLayout,
  WeightMap,
} from '../ldm-config';
import {
  CLIP_TEXT_CONFIG_JSON_SCHEMA,
  type ClipTextConfig,
  clipTextConfigFromJson,
  clipTextConfigFromLdmYaml,
} from './clip-text-config';
import { clipTextSelector } from './clip-text-keys';

/** Config and HF-named weights of one text encoder. */
export interface ClipTextCheckpoint {
  readonly config: ClipTextConfig;
  readonly weights: WeightMap;
}

async function readWeights(path: string): Promise<WeightMap> {
  return withWeightReader(path, (reader) => WeightMap.load(reader, clipTextSelector));
}

/**
 * Load from an already resolved layout (a checkpoint loader resolves once for UNet, VAE and CLIP).
 * @example
 * const clip = await loadClipTextFromLayout(await resolveCheckpointLayout(path));
 */
export async function loadClipTextFromLayout(layout: CheckpointLayout): Promise<ClipTextCheckpoint> {
  if (layout.kind === 'diffusers') {
    const files = await findDiffusersComponent(
      layout.root,
      'text_encoder',
      DIFFUSERS_WEIGHT_NAMES.transformers,
    );
    const json = await readConfigJson(files.configPath, CLIP_TEXT_CONFIG_JSON_SCHEMA);
    return {
      config: clipTextConfigFromJson(json, files.configPath),
      weights: await readWeights(files.weightsPath),
    };
  }
  return { config: clipTextConfigFromLdmYaml(layout.yaml), weights: await readWeights(layout.file) };
}

/**
 * Load a text encoder from a diffusers folder or a single-file checkpoint.
 * @example
 * const { config, weights } = await loadClipText('models/checkpoints/v1-5-pruned-emaonly.safetensors');
 * const model = buildClipTextGraph(weights, config);
 */
export async function loadClipText(path: string): Promise<ClipTextCheckpoint> {
  return loadClipTextFromLayout(await resolveCheckpointLayout(path));
}
