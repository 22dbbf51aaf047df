/**
 * @module
 * EmptyLatentImage, ComfyUI's node: an all-zero latent batch for txt2img (the sampler adds the noise).
 */
import { defineNode, Input, Tensor } from '@momaflow/engine';
import type { Latent } from './diffusion-types';

/** SD1.x latents have 4 channels at 1/8 of the image size. */
const LATENT_CHANNELS = 4;
const DOWNSCALE = 8;
/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;

/**
 * A zero latent for images of `width` x `height` (floored to multiples of 8).
 * @example
 * emptyLatent({ width: 512, height: 512, batch: 1 }).samples.shape; // [1, 4, 64, 64]
 */
export function emptyLatent(o: { width: number; height: number; batch: number }): Latent {
  const h = Math.floor(o.height / DOWNSCALE);
  const w = Math.floor(o.width / DOWNSCALE);
  return { samples: Tensor.zeros('float32', [o.batch, LATENT_CHANNELS, h, w]) };
}

/** ComfyUI's EmptyLatentImage. */
export const EmptyLatentImage = defineNode({
  type: 'EmptyLatentImage',
  displayName: 'Empty Latent Image',
  category: 'latent',
  description: 'Creates a batch of empty latent images to be denoised by a sampler (txt2img).',
  concurrent: true,
  inputs: {
    width: Input.int({
      default: 512,
      min: 16,
      max: MAX_RESOLUTION,
      step: 8,
      tooltip: 'Width of the images in pixels (SD1.x is trained at 512).',
    }),
    height: Input.int({
      default: 512,
      min: 16,
      max: MAX_RESOLUTION,
      step: 8,
      tooltip: 'Height of the images in pixels.',
    }),
    batch_size: Input.int({
      default: 1,
      min: 1,
      max: 4096,
      tooltip: 'Number of latent images in the batch.',
    }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The empty latent batch.' }],
  run: (_ctx, { width, height, batch_size }) => [emptyLatent({ width, height, batch: batch_size })],
});
