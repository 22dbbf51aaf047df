/**
 * @module
 * MLLMLoader: a LLaVA-1.5 checkpoint from `models/mllm` with a CLIP vision tower from
 * `models/clip_vision` (or the one bundled in a llava-hf checkpoint), at a chosen weight precision.
 * Running it builds (or finds on disk) the model's graphs, quantizing layer by layer, with progress;
 * the files' identities are in the cache signature, so replacing a file re-runs it.
 */
import { join } from 'node:path';
import { defineNode, EngineError, errorMessage, Input, type NodeEnv } from '@momaflow/engine';
import { checkpointIdentity } from '../diffusion';
import { resolveExistingInside } from '../image';
import { type ClipVisionCheckpoint, loadClipVision } from '../models/clip-vision';
import {
  autoLlavaPrecision,
  createLlavaModel,
  LLAVA_PRECISIONS,
  type LlavaCheckpoint,
  type LlavaModel,
  loadLlava,
} from '../models/llava';
import { listMllmModels, listVisionTowers } from './list-mllm-files';
import { LLAVA_GRAPHS } from './mllm-resources';

const NAME_LABEL = "MLLMLoader input 'mllm_name'";
const TOWER_LABEL = "MLLMLoader input 'vision_tower'";

/** The `vision_tower` choice that takes the tower stored in the MLLM checkpoint itself. */
export const BUNDLED_TOWER = '(from the MLLM checkpoint)';

const mllmDir = (env: NodeEnv) => join(env.dirs.models, 'mllm');
const towerDir = (env: NodeEnv) => join(env.dirs.models, 'clip_vision');

/** Prefix an error with the input it came from, keeping its code. */
async function labelled<T>(label: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    if (cause instanceof EngineError)
      throw new EngineError(cause.code, `${label}: ${cause.message}`, cause.details, { cause });
    throw cause;
  }
}

async function tower(
  env: NodeEnv,
  name: string,
  llava: LlavaCheckpoint,
): Promise<[ClipVisionCheckpoint, string]> {
  if (name === BUNDLED_TOWER) {
    if (llava.bundledTower === undefined) {
      throw new EngineError(
        'vision_tower_missing',
        `${TOWER_LABEL}: ${llava.dir} has no vision tower of its own; choose one from models/clip_vision`,
        { input: 'vision_tower' },
      );
    }
    return [llava.bundledTower, ''];
  }
  const path = await resolveExistingInside(towerDir(env), name, TOWER_LABEL);
  return [await labelled(TOWER_LABEL, () => loadClipVision(path)), await checkpointIdentity(path)];
}

/** Loads a LLaVA multimodal LLM (MoMA's MLLM) and builds its graphs. */
export const MLLMLoader = defineNode({
  type: 'MLLMLoader',
  displayName: 'Load MLLM (LLaVA)',
  category: 'loaders/moma',
  description:
    "Loads a LLaVA-1.5 checkpoint (LLaVA's own layout such as MoMA_llava_7b, or llava-hf) from models/mllm and its CLIP vision tower from models/clip_vision, and builds its onnxruntime graphs (quantized to int8 / int4 on the way when asked; cached on disk).",
  inputs: {
    mllm_name: Input.combo({
      options: ({ env }) => listMllmModels(mllmDir(env)),
      tooltip: 'The checkpoint folder (config.json, tokenizer.model, weights), relative to models/mllm.',
    }),
    vision_tower: Input.combo({
      options: async ({ env }) => [BUNDLED_TOWER, ...(await listVisionTowers(towerDir(env)))],
      tooltip: 'The CLIP vision tower (e.g. clip-vit-large-patch14-336), relative to models/clip_vision.',
    }),
    quantization: Input.combo({
      options: ['auto', ...LLAVA_PRECISIONS],
      default: 'auto',
      tooltip:
        'Weight precision of the language model: auto is fp32 for small models and int8 for real ones; int4 (v/o/down projections at 8 bits) takes about 3/4 of the int8 weight memory.',
    }),
  },
  outputs: [{ type: 'MLLM', name: 'MLLM', tooltip: 'The LLaVA model.' }],
  fingerprint: async ({ values, env }) => {
    const parts: string[] = [];
    if (values.mllm_name !== undefined) {
      parts.push(
        await checkpointIdentity(await resolveExistingInside(mllmDir(env), values.mllm_name, NAME_LABEL)),
      );
    }
    if (values.vision_tower !== undefined && values.vision_tower !== BUNDLED_TOWER) {
      parts.push(
        await checkpointIdentity(
          await resolveExistingInside(towerDir(env), values.vision_tower, TOWER_LABEL),
        ),
      );
    }
    return parts.join(':');
  },
  validate: async ({ values, env }) => {
    const problems = [];
    for (const [input, root, label] of [
      ['mllm_name', mllmDir(env), NAME_LABEL],
      ['vision_tower', towerDir(env), TOWER_LABEL],
    ] as const) {
      const name = values[input];
      if (name === undefined || name === BUNDLED_TOWER) continue;
      try {
        await resolveExistingInside(root, name, label);
      } catch (err) {
        problems.push({ input, message: errorMessage(err) });
      }
    }
    return problems;
  },
  run: async (ctx, { mllm_name, vision_tower, quantization }) => {
    const dir = await resolveExistingInside(mllmDir(ctx.env), mllm_name, NAME_LABEL);
    const llava = await labelled(NAME_LABEL, () => loadLlava(dir));
    const [towerCheckpoint, towerIdentity] = await tower(ctx.env, vision_tower, llava);
    const model: LlavaModel = await labelled('MLLMLoader', async () =>
      createLlavaModel({
        checkpoint: llava,
        tower: towerCheckpoint,
        precision: quantization === 'auto' ? autoLlavaPrecision(llava.config.llama) : quantization,
        identities: [await checkpointIdentity(dir), towerIdentity],
      }),
    );
    await ctx.env.resource(LLAVA_GRAPHS).compile(model, {
      onProgress: ({ done, total }) => ctx.progress(done, total),
      signal: ctx.signal,
    });
    ctx.log.info('MLLM graphs ready', { model: mllm_name, precision: model.quantization.precision });
    return [model];
  },
});
