/**
 * @module
 * ComfyUI's `common_upscale` (comfy/utils.py): optional center crop to the target aspect ratio, then
 * resampling. ImageScale uses it, and so can any pack that resizes images or masks.
 */
import { Tensor } from '@momaflow/engine';
import { type ResampleMethod, resample } from './resample';

/** ImageScale's crop choices: stretch to the target size, or cut to its aspect ratio first. */
export const CROP_MODES = ['disabled', 'center'] as const;
export type CropMode = (typeof CROP_MODES)[number];

/**
 * Python's `round()`: halves go to the even neighbour. ComfyUI's sizes and crop offsets use it, and
 * `Math.round` would differ on exact halves (round(2.5) is 2 in Python).
 * @example
 * roundHalfEven(2.5); // 2
 * roundHalfEven(3.5); // 4
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Rows [y, y+h) and columns [x, x+w) of an NHWC tensor. */
function crop(input: Tensor<'float32'>, x: number, y: number, w: number, h: number): Tensor<'float32'> {
  const [batch = 0, inH = 0, inW = 0, channels = 0] = input.shape;
  const out = new Float32Array(batch * h * w * channels);
  const rowLength = w * channels;
  for (let n = 0; n < batch; n++) {
    for (let r = 0; r < h; r++) {
      const from = ((n * inH + y + r) * inW + x) * channels;
      out.set(input.data.subarray(from, from + rowLength), (n * h + r) * rowLength);
    }
  }
  return new Tensor('float32', [batch, h, w, channels], out);
}

/**
 * The centered region of an NHWC tensor with the target's aspect ratio, exactly as ComfyUI computes it.
 * @example
 * centerCrop(image, 512, 512).shape; // the largest centered square of image
 */
export function centerCrop(input: Tensor<'float32'>, width: number, height: number): Tensor<'float32'> {
  const [, oldHeight = 0, oldWidth = 0] = input.shape;
  const oldAspect = oldWidth / oldHeight;
  const newAspect = width / height;
  let x = 0;
  let y = 0;
  if (oldAspect > newAspect) x = roundHalfEven((oldWidth - oldWidth * (newAspect / oldAspect)) / 2);
  else if (oldAspect < newAspect) y = roundHalfEven((oldHeight - oldHeight * (oldAspect / newAspect)) / 2);
  if (x === 0 && y === 0) return input;
  return crop(input, x, y, oldWidth - 2 * x, oldHeight - 2 * y);
}

export interface CommonUpscaleOptions {
  readonly width: number;
  readonly height: number;
  readonly method: ResampleMethod;
  readonly crop: CropMode;
}

/**
 * Resizes an NHWC tensor to exactly `width` x `height`; with `crop: 'center'` it first cuts the
 * input to the target aspect ratio so nothing is stretched. Values are not clamped.
 * @example
 * const square = commonUpscale(image, { width: 512, height: 512, method: 'area', crop: 'center' });
 */
export function commonUpscale(input: Tensor<'float32'>, options: CommonUpscaleOptions): Tensor<'float32'> {
  const source = options.crop === 'center' ? centerCrop(input, options.width, options.height) : input;
  return resample(source, { width: options.width, height: options.height, method: options.method });
}
