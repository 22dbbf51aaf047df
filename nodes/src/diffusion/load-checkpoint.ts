/**
 * @module
 * Opens a checkpoint as people have them (single-file LDM `.safetensors` / `.ckpt` with an optional
 * `.yaml` beside it, or a diffusers pipeline folder) into MODEL, CLIP and VAE handles. It reads
 * configs and weight headers, then builds the text encoder and VAE decoder graphs right away, so a
 * truncated, incomplete or wrongly shaped file fails here, at the loader, naming the weight and file.
 */
import type { NodeEnv } from '@momaflow/engine';
import {
  CLIP_TEXT_CONFIG_JSON_SCHEMA,
  type ClipTextConfig,
  clipTextConfigFromJson,
  clipTextConfigFromLdmYaml,
} from '../models/clip-text';
import {
  type CheckpointLayout,
  DIFFUSERS_WEIGHT_NAMES,
  findDiffusersComponent,
  readConfigJson,
  resolveCheckpointLayout,
} from '../models/ldm-config';
import { loadUnet, type UnetModel } from '../models/unet';
import {
  VAE_CONFIG_JSON_SCHEMA,
  type VaeConfig,
  vaeConfigFromJson,
  vaeConfigFromLdmYaml,
} from '../models/vae';
import { describeIgnored, inspectCheckpoint } from './checkpoint-contents';
import { checkpointIdentity } from './checkpoint-identity';
import { clipTokenizerSourceFor } from './clip-tokenizers';
import type { ClipModel, VaeModel } from './diffusion-types';
import { loadFailure } from './model-file-input';
import { modelGraph } from './model-graphs';

/** The three parts of a checkpoint. */
export interface LoadedCheckpoint {
  readonly model: UnetModel;
  readonly clip: ClipModel;
  readonly vae: VaeModel;
  /** What the log should say about the file (EMA weights used or not, keys ignored). */
  readonly notes: readonly string[];
}

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions {
  /** Read the UNet from the EMA copy (`model_ema.*`) when the file has one (training checkpoints). */
  readonly preferEma?: boolean;
}

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

async function vaeConfigOf(layout: CheckpointLayout): Promise<VaeConfig> {
  if (layout.kind === 'single-file') return vaeConfigFromLdmYaml(layout.yaml);
  const files = await findDiffusersComponent(layout.root, 'vae', DIFFUSERS_WEIGHT_NAMES.diffusers);
  return vaeConfigFromJson(await readConfigJson(files.configPath, VAE_CONFIG_JSON_SCHEMA));
}

/** The log's lines about EMA weights: which copy the UNet comes from when the file has both. */
function emaNotes(emaTensors: number, preferEma: boolean): string[] {
  if (emaTensors === 0) return preferEma ? ['the file has no EMA weights; using its UNet weights'] : [];
  return preferEma
    ? [`using the UNet's EMA weights (${emaTensors} model_ema.* tensors)`]
    : [`the file also has EMA weights (${emaTensors} model_ema.* tensors), not used`];
}

/**
 * MODEL, CLIP and VAE handles of the checkpoint at `path`; the text encoder and VAE decoder graphs are
 * built into the environment's caches.
 * @throws EngineError `checkpoint_not_found`, `checkpoint_incomplete`, `checkpoint_component_missing`,
 * `unsupported_checkpoint` (SD2.x, SDXL, v-prediction), `invalid_ldm_yaml`, `weight_missing`,
 * `weight_shape_mismatch` or a weight reader's error, each naming the file.
 * @example
 * const { model, clip, vae } = await loadCheckpoint(env, 'models/checkpoints/momaflow-tiny-sd15.safetensors');
 */
export async function loadCheckpoint(
  env: NodeEnv,
  path: string,
  o: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  const layout = await resolveCheckpointLayout(path);
  const key = await checkpointIdentity(path);
  const preferEma = o.preferEma === true;
  const plain = await loadUnet(path);
  const contents = await inspectCheckpoint(layout, { unetFile: plain.weights.origin, emaUsed: preferEma });
  const useEma = preferEma && contents.emaTensors > 0;
  const model = useEma ? await loadUnet(path, { ema: true }) : plain;
  const ignored = describeIgnored(contents.ignored);
  const notes = [...emaNotes(contents.emaTensors, preferEma), ...(ignored === undefined ? [] : [ignored])];
  const clip: ClipModel = Object.freeze({
    kind: 'sd1-clip',
    key,
    layout,
    config: await clipConfigOf(layout),
    tokenizer: await clipTokenizerSourceFor(layout),
    layer: 'last',
  });
  const vae: VaeModel = Object.freeze({ kind: 'sd1-vae', key, layout, config: await vaeConfigOf(layout) });
  await modelGraph(env, { kind: 'clip-text', handle: clip });
  await modelGraph(env, { kind: 'vae-decoder', handle: vae });
  return Object.freeze({ model, clip, vae, notes: Object.freeze(notes) });
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
  o: LoadCheckpointOptions = {},
): Promise<LoadedCheckpoint> {
  try {
    return await loadCheckpoint(env, path, o);
  } catch (cause) {
    throw loadFailure({ label, name, path, cause, code: 'checkpoint_unreadable' });
  }
}
