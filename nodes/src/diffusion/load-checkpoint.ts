/**
 * @module
 * Opens a checkpoint as people have them (single-file LDM `.safetensors` / `.ckpt` with an optional
 * `.yaml` beside it, or a diffusers pipeline folder) into MODEL, CLIP and VAE handles. It reads
 * configs and weight headers, then builds the text encoder and VAE decoder graphs right away, so a
 * truncated, incomplete or wrongly shaped file fails here, at the loader, naming the weight and file.
 */
import type { NodeEnv } from '@momaflow/engine';
import { EngineError, errorMessage, withWeightReader } from '@momaflow/engine';
import {
  CLIP_TEXT_CONFIG_JSON_SCHEMA,
  type ClipTextConfig,
  clipTextConfigFromJson,
  clipTextConfigFromLdmYaml,
  LDM_CLIP_PREFIX,
} from '../models/clip-text';
import {
  type CheckpointLayout,
  DIFFUSERS_WEIGHT_NAMES,
  findDiffusersComponent,
  ldmKey,
  readConfigJson,
  readLdmYaml,
  resolveCheckpointLayout,
} from '../models/ldm-config';
import { LDM_UNET_PREFIX, loadUnetFromLayout, type UnetModel } from '../models/unet';
import {
  LDM_VAE_PREFIX,
  VAE_CONFIG_JSON_SCHEMA,
  type VaeConfig,
  vaeConfigFromJson,
  vaeConfigFromLdmYaml,
} from '../models/vae';
import { checkpointIdentity } from './checkpoint-identity';
import { clipTokenizerSourceFor } from './clip-tokenizers';
import type { ClipModel, VaeModel } from './diffusion-types';
import { modelGraph } from './model-graphs';

/** The three parts of a checkpoint. */
export interface LoadedCheckpoint {
  readonly model: UnetModel;
  readonly clip: ClipModel;
  readonly vae: VaeModel;
}

/** What a single SD1.x file must hold, by component, as LDM names it. */
const SINGLE_FILE_PARTS = {
  UNet: LDM_UNET_PREFIX,
  VAE: LDM_VAE_PREFIX,
  'text encoder': LDM_CLIP_PREFIX,
} as const satisfies Record<string, string>;

async function clipConfigOf(layout: CheckpointLayout): Promise<ClipTextConfig> {
  if (layout.kind === 'single-file') return clipTextConfigFromLdmYaml(layout.yaml);
  const files = await findDiffusersComponent(
    layout.root,
    'text_encoder',
    DIFFUSERS_WEIGHT_NAMES.transformers,
  );
  return clipTextConfigFromJson(
    await readConfigJson(files.configPath, CLIP_TEXT_CONFIG_JSON_SCHEMA),
    files.configPath,
  );
}

/**
 * The VAE config of a layout: the yaml's (SD1.x defaults without one) or the diffusers `vae/config.json`.
 * @example
 * const config = await vaeConfigOf(await resolveCheckpointLayout('models/vae/vae-ft-mse.safetensors'));
 */
export async function vaeConfigOf(layout: CheckpointLayout): Promise<VaeConfig> {
  if (layout.kind === 'single-file') return vaeConfigFromLdmYaml(layout.yaml);
  const files = await findDiffusersComponent(layout.root, 'vae', DIFFUSERS_WEIGHT_NAMES.diffusers);
  return vaeConfigFromJson(await readConfigJson(files.configPath, VAE_CONFIG_JSON_SCHEMA));
}

/** Reads the UNet weight file's header (the whole index for torch archives) and checks its parts. */
async function checkUnetFile(path: string, isSingleFile: boolean): Promise<void> {
  await withWeightReader(path, async (reader) => {
    if (!isSingleFile) return;
    const keys = reader.keys().map(ldmKey);
    for (const [part, prefix] of Object.entries(SINGLE_FILE_PARTS)) {
      if (!keys.some((k) => k.startsWith(prefix))) {
        throw new EngineError(
          'checkpoint_incomplete',
          `${path} has no ${part} weights ('${prefix}*'); is it a Stable Diffusion 1.x checkpoint?`,
          { path, part },
        );
      }
    }
  });
}

/**
 * MODEL, CLIP and VAE handles of the checkpoint at `path`; the text encoder and VAE decoder graphs are
 * built into the environment's caches.
 * @throws EngineError `checkpoint_not_found`, `checkpoint_incomplete`, `checkpoint_component_missing`,
 * `invalid_ldm_yaml`, `weight_missing`, `weight_shape_mismatch` or a weight reader's error, each naming
 * the file.
 * @example
 * const { model, clip, vae } = await loadCheckpoint(env, 'models/checkpoints/momaflow-tiny-sd15.safetensors');
 */
export async function loadCheckpoint(
  env: NodeEnv,
  path: string,
  o: { readonly configPath?: string } = {},
): Promise<LoadedCheckpoint> {
  const resolved = await resolveCheckpointLayout(path);
  let layout = resolved;
  let key = await checkpointIdentity(path);
  if (o.configPath !== undefined) {
    if (resolved.kind !== 'single-file') {
      throw new EngineError(
        'invalid_config',
        `an LDM config applies to single-file checkpoints; '${path}' is a diffusers folder with its own configs`,
        { path },
      );
    }
    layout = { ...resolved, yaml: await readLdmYaml(o.configPath) };
    key = `${key}|config:${await checkpointIdentity(o.configPath)}`;
  }
  const model = await loadUnetFromLayout(layout);
  await checkUnetFile(model.weights.origin, layout.kind === 'single-file');
  const clip: ClipModel = Object.freeze({
    kind: 'sd1-clip',
    key,
    layout,
    config: await clipConfigOf(layout),
    tokenizer: await clipTokenizerSourceFor(layout),
    layer: -1,
  });
  const vae: VaeModel = Object.freeze({ kind: 'sd1-vae', key, layout, config: await vaeConfigOf(layout) });
  await modelGraph(env, { kind: 'clip-text', handle: clip });
  await modelGraph(env, { kind: 'vae-decoder', handle: vae });
  return Object.freeze({ model, clip, vae });
}

/**
 * `loadCheckpoint` with every failure turned into an EngineError whose message starts with `label` and
 * names the checkpoint (the code of the underlying error is kept).
 * @example
 * await loadCheckpointFor(env, path, "CheckpointLoaderSimple input 'ckpt_name'", 'sd15.safetensors');
 */
export async function loadCheckpointFor(
  env: NodeEnv,
  path: string,
  label: string,
  name: string,
  o: { readonly configPath?: string } = {},
): Promise<LoadedCheckpoint> {
  try {
    return await loadCheckpoint(env, path, o);
  } catch (cause) {
    const code = cause instanceof EngineError ? cause.code : 'checkpoint_unreadable';
    throw new EngineError(
      code,
      `${label}: cannot load '${name}': ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
}
