/**
 * @module
 * Resizing LATENT samples as ComfyUI's `common_upscale` does for them: torch's interpolation modes
 * (through `resample`, which reproduces them on channels-last data) or `bislerp`, after an optional
 * center crop to the target aspect ratio.
 */
import type { Tensor } from '@momaflow/engine';
import { type CropMode, centerCrop, commonUpscale, nchwToNhwc, nhwcToNchw } from '../image';
import { bislerp } from './bislerp';

/** LatentUpscale's methods, in ComfyUI's order. */
export const LATENT_UPSCALE_METHODS = ['nearest-exact', 'bilinear', 'area', 'bicubic', 'bislerp'] as const;
export type LatentUpscaleMethod = (typeof LATENT_UPSCALE_METHODS)[number];

/** Options of `upscaleLatent`; sizes in latent pixels. */
export interface UpscaleLatentOptions {
  readonly width: number;
  readonly height: number;
  readonly method: LatentUpscaleMethod;
  readonly crop: CropMode;
}

/**
 * [N, C, h, w] resized to [N, C, height, width].
 * @example
 * const up = upscaleLatent(samples, { width: 96, height: 96, method: 'bislerp', crop: 'disabled' });
 */
export function upscaleLatent(samples: Tensor<'float32'>, o: UpscaleLatentOptions): Tensor<'float32'> {
  if (o.method !== 'bislerp') {
    return nhwcToNchw(commonUpscale(nchwToNhwc(samples), { ...o, method: o.method }));
  }
  const source =
    o.crop === 'center' ? nhwcToNchw(centerCrop(nchwToNhwc(samples), o.width, o.height)) : samples;
  return bislerp(source, o.width, o.height);
}
