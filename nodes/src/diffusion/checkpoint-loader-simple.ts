/**
 * @module
 * CheckpointLoaderSimple, ComfyUI's node: a Stable Diffusion 1.x checkpoint from `models/checkpoints`
 * as MODEL, CLIP and VAE. The checkpoint's identity (path, size, mtime) is part of the cache signature,
 * so replacing the file re-runs the node.
 */
import { join } from 'node:path';
import { defineNode, errorMessage, Input } from '@momaflow/engine';
import { resolveExistingInside } from '../image';
import { checkpointIdentity } from './checkpoint-identity';
import { listCheckpoints } from './list-checkpoints';
import { loadCheckpointFor } from './load-checkpoint';

const LABEL = "CheckpointLoaderSimple input 'ckpt_name'";

const checkpointsDir = (models: string) => join(models, 'checkpoints');

/** ComfyUI's CheckpointLoaderSimple for SD1.x single files and diffusers folders. */
export const CheckpointLoaderSimple = defineNode({
  type: 'CheckpointLoaderSimple',
  displayName: 'Load Checkpoint',
  category: 'loaders',
  description:
    'Loads a Stable Diffusion 1.x checkpoint: a single .safetensors / .ckpt file (with an optional .yaml of the same name beside it) or a diffusers folder, from models/checkpoints.',
  inputs: {
    ckpt_name: Input.combo({
      options: ({ env }) => listCheckpoints(checkpointsDir(env.dirs.models)),
      modelFolder: 'checkpoints',
      tooltip: 'The checkpoint to load, relative to models/checkpoints.',
    }),
  },
  outputs: [
    { type: 'MODEL', name: 'MODEL', tooltip: 'The UNet that denoises latents.' },
    { type: 'CLIP', name: 'CLIP', tooltip: 'The text encoder (with its tokenizer) that encodes prompts.' },
    { type: 'VAE', name: 'VAE', tooltip: 'The autoencoder that turns images into latents and back.' },
  ],
  fingerprint: async ({ values, env }) => {
    // A linked name is not known before the run; the link's own signature covers it then.
    if (values.ckpt_name === undefined) return '';
    return checkpointIdentity(
      await resolveExistingInside(checkpointsDir(env.dirs.models), values.ckpt_name, LABEL),
    );
  },
  validate: async ({ values, env }) => {
    if (values.ckpt_name === undefined) return [];
    try {
      await resolveExistingInside(checkpointsDir(env.dirs.models), values.ckpt_name, LABEL);
      return [];
    } catch (err) {
      return [{ input: 'ckpt_name', message: errorMessage(err) }];
    }
  },
  run: async (ctx, { ckpt_name }) => {
    const path = await resolveExistingInside(checkpointsDir(ctx.env.dirs.models), ckpt_name, LABEL);
    const { model, clip, vae } = await loadCheckpointFor(ctx.env, path, LABEL, ckpt_name);
    return [model, clip, vae];
  },
});
