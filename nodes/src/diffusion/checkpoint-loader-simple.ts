/**
 * @module
 * CheckpointLoaderSimple, ComfyUI's node: a Stable Diffusion 1.x checkpoint from `models/checkpoints`
 * as MODEL, CLIP and VAE. The checkpoint's identity (path, size, mtime) is part of the cache signature,
 * so replacing the file re-runs the node. What the loader noticed about the file (EMA weights it did
 * not use, keys it ignored) goes to the log.
 */
import { defineNode, type NodeContext } from '@momaflow/engine';
import { listCheckpoints } from './list-checkpoints';
import { type LoadCheckpointOptions, loadCheckpointFor } from './load-checkpoint';
import { modelFileInput } from './model-file-input';

const CKPT_TOOLTIP = 'The checkpoint to load, relative to models/checkpoints.';

/**
 * The outputs of both checkpoint loaders.
 * @example
 * defineNode({ ..., outputs: CHECKPOINT_OUTPUTS });
 */
export const CHECKPOINT_OUTPUTS = [
  { type: 'MODEL', name: 'MODEL', tooltip: 'The UNet that denoises latents.' },
  { type: 'CLIP', name: 'CLIP', tooltip: 'The text encoder (with its tokenizer) that encodes prompts.' },
  { type: 'VAE', name: 'VAE', tooltip: 'The autoencoder that turns images into latents and back.' },
] as const;

/**
 * The `ckpt_name` widget of a checkpoint loader node of type `nodeType`.
 * @example
 * const ckpt = checkpointFileInput('CheckpointLoaderSimple');
 */
export function checkpointFileInput(nodeType: string) {
  return modelFileInput({
    nodeType,
    input: 'ckpt_name',
    folder: 'checkpoints',
    list: listCheckpoints,
    tooltip: CKPT_TOOLTIP,
  });
}

/**
 * Load `name` from models/checkpoints for a node, logging what the loader noticed about the file.
 * @example
 * const { model, clip, vae } = await runCheckpointLoader(ctx, checkpointFileInput('X'), 'sd15.safetensors');
 */
export async function runCheckpointLoader(
  ctx: NodeContext,
  file: ReturnType<typeof checkpointFileInput>,
  name: string,
  o: LoadCheckpointOptions = {},
) {
  const path = await file.resolve(ctx.env, name);
  const loaded = await loadCheckpointFor(ctx.env, path, file.label, name, o);
  for (const note of loaded.notes) ctx.log.info(`${file.label}: '${name}': ${note}`);
  return loaded;
}

const CKPT = checkpointFileInput('CheckpointLoaderSimple');

/** ComfyUI's CheckpointLoaderSimple for SD1.x single files and diffusers folders. */
export const CheckpointLoaderSimple = defineNode({
  type: 'CheckpointLoaderSimple',
  displayName: 'Load Checkpoint',
  category: 'loaders',
  description:
    'Loads a Stable Diffusion 1.x checkpoint: a single .safetensors / .ckpt file (with an optional .yaml of the same name beside it) or a diffusers folder, from models/checkpoints.',
  inputs: { ckpt_name: CKPT.combo },
  outputs: CHECKPOINT_OUTPUTS,
  ...CKPT.hooks,
  run: async (ctx, { ckpt_name }) => {
    const { model, clip, vae } = await runCheckpointLoader(ctx, CKPT, ckpt_name);
    return [model, clip, vae];
  },
});
