/**
 * @module
 * What a checkpoint holds besides the SD1.x parts the loader reads, read from its header: the EMA copy
 * of the UNet that training checkpoints (DreamBooth trainers' `.ckpt`s) carry next to the raw weights,
 * keys no part reads (schedule buffers, training-loss modules, optimizer state), counted so the log can
 * say what was ignored; and the families momaflow does not run (SD2.x, SDXL, v-prediction), refused with
 * a message that says what the file is instead of a shape error deep in a graph build.
 */
import { join } from 'node:path';
import type { WeightReader } from '@momaflow/engine';
import { EngineError, withWeightReader } from '@momaflow/engine';
import { z } from 'zod';
import { LDM_CLIP_PREFIX } from '../models/clip-text';
import { type CheckpointLayout, ldmKey, readConfigJson } from '../models/ldm-config';
import { LDM_EMA_PREFIX, LDM_UNET_PREFIX, ldmEmaKey } from '../models/unet';
import { LDM_VAE_PREFIX } from '../models/vae';

/** A group of keys no part reads, e.g. `model_ema.*` or `first_stage_model.loss.*`. */
export interface IgnoredKeys {
  readonly group: string;
  readonly count: number;
}

/** What the header of a checkpoint says beyond its parts. */
export interface CheckpointContents {
  /** `model_ema.*` weight tensors (LitEma's copies of the UNet). */
  readonly emaTensors: number;
  /** Keys no part reads, by group, largest first (EMA copies included). */
  readonly ignored: readonly IgnoredKeys[];
}

/** The parts an SD1.x single file must hold, by their LDM prefixes. */
const SINGLE_FILE_PARTS = {
  UNet: LDM_UNET_PREFIX,
  VAE: LDM_VAE_PREFIX,
  'text encoder': LDM_CLIP_PREFIX,
} as const satisfies Record<string, string>;

/** LitEma's own state next to its weight copies. */
const EMA_STATE = new Set([`${LDM_EMA_PREFIX}decay`, `${LDM_EMA_PREFIX}num_updates`]);

/** VAE keys under the VAE prefix that are not the autoencoder (the LPIPS / discriminator loss). */
const VAE_LOSS_PREFIX = `${LDM_VAE_PREFIX}loss.`;

/** Prefixes of other families' parts, with what the file then is. */
const OTHER_FAMILIES = [
  { prefix: 'conditioner.embedders.', family: 'an SDXL (or sgm-layout SD2.x) checkpoint' },
  { prefix: 'cond_stage_model.model.', family: 'an SD2.x checkpoint (OpenCLIP ViT-H text encoder)' },
] as const;

/** An SD1.x UNet's cross-attention takes CLIP ViT-L's 768-wide tokens; SD2.x's take OpenCLIP's 1024. */
const SD2_CONTEXT_DIM = 1024;
const FIRST_CROSS_KEY = `${LDM_UNET_PREFIX}input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight`;

/** ComfyUI marks the v-prediction checkpoints it saves with an empty `v_pred` tensor. */
const V_PRED_KEY = 'v_pred';

const SUPPORTED = 'momaflow runs Stable Diffusion 1.x checkpoints (epsilon prediction)';

function refuse(path: string, what: string): never {
  throw new EngineError('unsupported_checkpoint', `${path} is ${what}; ${SUPPORTED}`, { path });
}

function isRead(key: string, emaUsed: boolean): boolean {
  if (key.startsWith(LDM_UNET_PREFIX) || key.startsWith(LDM_CLIP_PREFIX)) return true;
  if (key.startsWith(LDM_VAE_PREFIX)) return !key.startsWith(VAE_LOSS_PREFIX);
  return emaUsed && key.startsWith(LDM_EMA_PREFIX);
}

/** `model_ema.*`, `first_stage_model.loss.*`, or the key's first segment (`betas`, `optimizer`...). */
function groupOf(key: string): string {
  if (key.startsWith(VAE_LOSS_PREFIX)) return `${VAE_LOSS_PREFIX}*`;
  const dot = key.indexOf('.');
  return dot < 0 ? key : `${key.slice(0, dot)}.*`;
}

function countGroups(keys: readonly string[]): IgnoredKeys[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(groupOf(key), (counts.get(groupOf(key)) ?? 0) + 1);
  return [...counts]
    .map(([group, count]) => ({ group, count }))
    .sort((a, b) => b.count - a.count || (a.group < b.group ? -1 : 1));
}

/**
 * Check the keys of a single-file checkpoint (as `ldmKey` gives them) and count what is not read.
 * @throws EngineError `unsupported_checkpoint` for SD2.x / SDXL / v-prediction files,
 * `checkpoint_incomplete` naming a missing part.
 */
function inspectSingleFile(
  reader: WeightReader,
  layout: Extract<CheckpointLayout, { kind: 'single-file' }>,
  emaUsed: boolean,
): CheckpointContents {
  const path = layout.file;
  const stored = reader.keys();
  const keys = stored.map(ldmKey);
  for (const { prefix, family } of OTHER_FAMILIES) {
    if (keys.some((k) => k.startsWith(prefix))) refuse(path, family);
  }
  if (layout.yaml?.parameterization === 'v') {
    refuse(path, `a v-prediction model ('parameterization: v' in ${layout.yaml.source})`);
  }
  if (keys.includes(V_PRED_KEY)) refuse(path, `a v-prediction model (it has a '${V_PRED_KEY}' key)`);
  const crossKey = stored.find((k) => ldmKey(k) === FIRST_CROSS_KEY);
  const contextDim = crossKey === undefined ? undefined : reader.info(crossKey)?.shape[1];
  if (layout.yaml === undefined && contextDim === SD2_CONTEXT_DIM) {
    refuse(path, `an SD2.x checkpoint (its UNet attends to ${SD2_CONTEXT_DIM}-wide text tokens)`);
  }
  for (const [part, prefix] of Object.entries(SINGLE_FILE_PARTS)) {
    if (!keys.some((k) => k.startsWith(prefix))) {
      throw new EngineError(
        'checkpoint_incomplete',
        `${path} has no ${part} weights ('${prefix}*'); is it a Stable Diffusion 1.x checkpoint?`,
        { path, part },
      );
    }
  }
  const emaTensors = keys.filter((k) => k.startsWith(LDM_EMA_PREFIX) && !EMA_STATE.has(k)).length;
  if (emaUsed && emaTensors > 0) checkEmaCopies(path, keys);
  return { emaTensors, ignored: countGroups(keys.filter((k) => !isRead(k, emaUsed && emaTensors > 0))) };
}

/** Every UNet weight must have its EMA copy when the UNet is read from them. */
function checkEmaCopies(path: string, keys: readonly string[]): void {
  const present = new Set(keys);
  const missing = keys.find((k) => k.startsWith(LDM_UNET_PREFIX) && !present.has(ldmEmaKey(k)));
  if (missing !== undefined) {
    throw new EngineError(
      'ema_weights_incomplete',
      `${path} has EMA weights, but no EMA copy '${ldmEmaKey(missing)}' of '${missing}'`,
      { path, key: missing },
    );
  }
}

const zSchedulerConfig = z.looseObject({ prediction_type: z.string().optional() });

/** A diffusers pipeline that predicts v (SD2.x 768-v) declares it in its scheduler config. */
async function checkDiffusersPipeline(root: string): Promise<void> {
  const path = join(root, 'scheduler', 'scheduler_config.json');
  const config = await readConfigJson(path, zSchedulerConfig).catch((err: unknown) => {
    // A pipeline without a scheduler folder (or a bare component folder) predicts eps as SD1.x does.
    if (err instanceof EngineError && err.code === 'config_unreadable') return undefined;
    throw err;
  });
  if (config?.prediction_type === 'v_prediction') {
    refuse(root, `a v-prediction pipeline ('prediction_type: v_prediction' in ${path})`);
  }
}

/**
 * Inspect the checkpoint of `layout` from its header (the UNet weights file `unetFile` of a diffusers
 * folder is opened too, so an unreadable one fails here). `emaUsed` says whether the UNet is to be read
 * from its EMA copy when there is one: then every UNet weight must have one, and they are not ignored.
 * @throws EngineError `unsupported_checkpoint`, `checkpoint_incomplete`, `ema_weights_incomplete`, or a
 * weight reader's error.
 * @example
 * const { emaTensors, ignored } = await inspectCheckpoint(layout, { unetFile, emaUsed: false });
 */
export async function inspectCheckpoint(
  layout: CheckpointLayout,
  o: { readonly unetFile: string; readonly emaUsed: boolean },
): Promise<CheckpointContents> {
  if (layout.kind === 'diffusers') {
    await checkDiffusersPipeline(layout.root);
    await withWeightReader(o.unetFile, async () => undefined);
    return { emaTensors: 0, ignored: [] };
  }
  return withWeightReader(layout.file, async (reader) => inspectSingleFile(reader, layout, o.emaUsed));
}

/**
 * One line for the log about the ignored keys, or `undefined` when there are none.
 * @example
 * describeIgnored([{ group: 'model_ema.*', count: 688 }]); // 'ignored 688 keys SD1.x does not read: model_ema.* (688)'
 */
export function describeIgnored(ignored: readonly IgnoredKeys[]): string | undefined {
  const total = ignored.reduce((n, g) => n + g.count, 0);
  if (total === 0) return undefined;
  const groups = ignored.map((g) => `${g.group} (${g.count})`).join(', ');
  return `ignored ${total} key${total === 1 ? '' : 's'} SD1.x does not read: ${groups}`;
}
