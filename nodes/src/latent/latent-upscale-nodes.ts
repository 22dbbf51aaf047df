/**
 * @module
 * LatentUpscale and LatentUpscaleBy, ComfyUI's nodes: resize a LATENT (to a pixel size, or by a factor)
 * for hires-fix style second passes. Other LATENT fields (noise mask, batch index) pass through.
 */
import { defineNode, Input } from '@momaflow/engine';
import type { Latent } from '../diffusion';
import { CROP_MODES, roundHalfEven } from '../image';
import { LATENT_UPSCALE_METHODS, upscaleLatent } from './upscale-latent';

/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;

/**
 * The target pixel size of LatentUpscale: a 0 side follows the other's aspect ratio; each side at
 * least 64 (ComfyUI).
 * @example
 * latentUpscaleSize({ latentWidth: 64, latentHeight: 32, width: 0, height: 512 }); // { width: 1024, height: 512 }
 */
export function latentUpscaleSize(o: {
  readonly latentWidth: number;
  readonly latentHeight: number;
  readonly width: number;
  readonly height: number;
}): { width: number; height: number } {
  if (o.width === 0) {
    const height = Math.max(64, o.height);
    return { width: Math.max(64, roundHalfEven((o.latentWidth * height) / o.latentHeight)), height };
  }
  if (o.height === 0) {
    const width = Math.max(64, o.width);
    return { width, height: Math.max(64, roundHalfEven((o.latentHeight * width) / o.latentWidth)) };
  }
  return { width: Math.max(64, o.width), height: Math.max(64, o.height) };
}

/** ComfyUI's LatentUpscale. */
export const LatentUpscale = defineNode({
  type: 'LatentUpscale',
  displayName: 'Upscale Latent',
  category: 'latent',
  description:
    'Resizes latents to a pixel size (divided by 8 in latent space); a 0 side keeps the aspect ratio.',
  concurrent: true,
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The latents to resize.' }),
    upscale_method: Input.combo({
      options: LATENT_UPSCALE_METHODS,
      default: 'nearest-exact',
      tooltip: 'How to resample.',
    }),
    width: Input.int({
      default: 512,
      min: 0,
      max: MAX_RESOLUTION,
      step: 8,
      tooltip: 'Target width in pixels; 0 follows the height.',
    }),
    height: Input.int({
      default: 512,
      min: 0,
      max: MAX_RESOLUTION,
      step: 8,
      tooltip: 'Target height in pixels; 0 follows the width.',
    }),
    crop: Input.combo({
      options: CROP_MODES,
      default: 'disabled',
      tooltip: 'center: crop to the new aspect ratio first.',
    }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The resized latents.' }],
  run: (_ctx, { samples, upscale_method, width, height, crop }) => {
    if (width === 0 && height === 0) return [samples];
    const [, , latentHeight = 0, latentWidth = 0] = samples.samples.shape;
    const size = latentUpscaleSize({ latentWidth, latentHeight, width, height });
    const out: Latent = {
      ...samples,
      samples: upscaleLatent(samples.samples, {
        width: Math.floor(size.width / 8),
        height: Math.floor(size.height / 8),
        method: upscale_method,
        crop,
      }),
    };
    return [out];
  },
});

/** ComfyUI's LatentUpscaleBy. */
export const LatentUpscaleBy = defineNode({
  type: 'LatentUpscaleBy',
  displayName: 'Upscale Latent By',
  category: 'latent',
  description: 'Resizes latents by a factor.',
  concurrent: true,
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The latents to resize.' }),
    upscale_method: Input.combo({
      options: LATENT_UPSCALE_METHODS,
      default: 'nearest-exact',
      tooltip: 'How to resample.',
    }),
    scale_by: Input.float({
      default: 1.5,
      min: 0.01,
      max: 8,
      step: 0.01,
      tooltip: 'The factor for both sides.',
    }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The resized latents.' }],
  run: (_ctx, { samples, upscale_method, scale_by }) => {
    const [, , h = 0, w = 0] = samples.samples.shape;
    const out: Latent = {
      ...samples,
      samples: upscaleLatent(samples.samples, {
        width: Math.max(1, roundHalfEven(w * scale_by)),
        height: Math.max(1, roundHalfEven(h * scale_by)),
        method: upscale_method,
        crop: 'disabled',
      }),
    };
    return [out];
  },
});
