/**
 * @module
 * Opens a checkpoint as people have them (single-file LDM `.safetensors` / `.ckpt` with an optional
 * `.yaml` beside it, or a diffusers pipeline folder) into MODEL, CLIP and VAE handles. It reads
 * configs and weight headers, then builds the text encoder and VAE decoder graphs right away, so a
 * truncated, incomplete or wrongly shaped file fails here, at the loader, naming the weight and file.
 */
import type { NodeEnv } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
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
  readLdmYaml,
  resolveCheckpointLayout,
} from '../models/ldm-config';
import { loadUnetFromLayout, type UnetModel } from '../models/unet';
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
  /** An LDM yaml to use instead of the one beside a single file (CheckpointLoader's `config_name`). */
  readonly configPath?: string;
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
  const preferEma = o.preferEma === true;
  const plain = await loadUnetFromLayout(layout);
  const contents = await inspectCheckpoint(layout, { unetFile: plain.weights.origin, emaUsed: preferEma });
  const useEma = preferEma && contents.emaTensors > 0;
  const model = useEma ? await loadUnetFromLayout(layout, { ema: true }) : plain;
  const ignored = describeIgnored(contents.ignored);
  const notes = [...emaNotes(contents.emaTensors, preferEma), ...(ignored === undefined ? [] : [ignored])];
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
