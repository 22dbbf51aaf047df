/**
 * @module
 * ImageScale: ComfyUI's "Upscale Image" node (resize to a size, optionally keeping the aspect ratio
 * or center-cropping to the new one).
 */
import { defineNode, Input, type Tensor } from '@momaflow/engine';
import { CROP_MODES, commonUpscale, roundHalfEven } from './common-upscale';
import { RESAMPLE_METHODS, type ResampleMethod } from './resample';
import { requireImage } from './tensor-checks';

/** ComfyUI's MAX_RESOLUTION. */
const MAX_SIZE = 16384;

/** Methods whose kernels have negative lobes and can leave [0,1]. */
const OVERSHOOTING: ReadonlySet<ResampleMethod> = new Set(['bicubic', 'lanczos']);

/**
 * The output size: a 0 side follows the other side's scale (Python rounding), as in ComfyUI; both 0
 * keeps the input size.
 * @example
 * scaledSize(100, 50, 0, 25); // { width: 50, height: 25 }
 */
export function scaledSize(
  inWidth: number,
  inHeight: number,
  width: number,
  height: number,
): { width: number; height: number } {
  if (width === 0 && height === 0) return { width: inWidth, height: inHeight };
  if (width === 0) return { width: Math.max(1, roundHalfEven((inWidth * height) / inHeight)), height };
  if (height === 0) return { width, height: Math.max(1, roundHalfEven((inHeight * width) / inWidth)) };
  return { width, height };
}

function clampUnit(image: Tensor<'float32'>): Tensor<'float32'> {
  const data = image.data;
  for (let i = 0; i < data.length; i++) data[i] = Math.min(Math.max(data[i]!, 0), 1);
  return image;
}

/** ComfyUI's ImageScale ("Upscale Image"): resize with a choice of filter, keep-aspect and center crop. */
export const ImageScale = defineNode({
  type: 'ImageScale',
  displayName: 'Upscale Image',
  category: 'image/upscaling',
  description:
    'Resizes images to a width and height. A size of 0 keeps the aspect ratio from the other side; crop "center" cuts the image to the new aspect ratio before resizing instead of stretching it.',
  concurrent: true,
  inputs: {
    image: Input.link('IMAGE', { tooltip: 'The images to resize.' }),
    upscale_method: Input.combo({
      options: RESAMPLE_METHODS,
      default: 'nearest-exact',
      tooltip:
        'nearest-exact: hard pixels; bilinear/bicubic: smooth; area: averages pixels, best for shrinking; lanczos: sharp, best for photos.',
    }),
    width: Input.int({
      default: 512,
      min: 0,
      max: MAX_SIZE,
      step: 1,
      tooltip: 'Target width in pixels; 0 = keep the aspect ratio from the height.',
    }),
    height: Input.int({
      default: 512,
      min: 0,
      max: MAX_SIZE,
      step: 1,
      tooltip: 'Target height in pixels; 0 = keep the aspect ratio from the width.',
    }),
    crop: Input.combo({
      options: CROP_MODES,
      default: 'disabled',
      tooltip: 'center: crop to the target aspect ratio first (no stretching); disabled: stretch to fit.',
    }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The resized images.' }],
  run: (_ctx, { image, upscale_method, width, height, crop }) => {
    const input = requireImage(image, "ImageScale input 'image'");
    if (width === 0 && height === 0) return [input];
    const [, inHeight = 0, inWidth = 0] = input.shape;
    const size = scaledSize(inWidth, inHeight, width, height);
    const scaled = commonUpscale(input, { ...size, method: upscale_method, crop });
    // IMAGE values live in [0,1] (downstream VAE encoders and savers assume it); ComfyUI's lanczos
    // is clamped too, by its trip through 8-bit PIL.
    return [OVERSHOOTING.has(upscale_method) ? clampUnit(scaled) : scaled];
  },
});
