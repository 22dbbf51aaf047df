/**
 * @module
 * 8-bit images: one image of an IMAGE batch as bytes (what PNG encoding and PIL-style processing take).
 */
import type { Tensor } from '@momaflow/engine';

/** An 8-bit image, rows of pixels of `channels` interleaved samples (PIL's RGB / L). */
export interface Image8 {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly data: Uint8Array;
}

/**
 * [0,1] -> 0..255 by rounding to the nearest level. ComfyUI truncates (`astype(np.uint8)`), which
 * darkens computed images by half a level on average; both keep exact k/255 values (as loaded
 * images have) unchanged, so save -> load stays lossless.
 */
function toByte(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  return v < 1 ? Math.round(v * 255) : 255;
}

/**
 * Image `index` of a float32 NHWC batch as 8-bit samples, clamped to [0,1] first. The caller checks
 * the shape and index.
 * @example
 * const rgb = toImage8(image, 0); // { width, height, channels: 3, data }
 */
export function toImage8(image: Tensor<'float32'>, index: number): Image8 {
  const [, height = 0, width = 0, channels = 0] = image.shape;
  const size = height * width * channels;
  const data = new Uint8Array(size);
  const offset = index * size;
  for (let i = 0; i < size; i++) data[i] = toByte(image.data[offset + i]!);
  return { width, height, channels, data };
}

/**
 * PIL's `convert('RGB')`: grey replicated, alpha dropped.
 * @example
 * const rgb = toRgb8(toImage8(image, 0));
 */
export function toRgb8(image: Image8): Image8 {
  if (image.channels === 3) return image;
  const pixels = image.width * image.height;
  const data = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++)
      data[i * 3 + c] = image.data[i * image.channels + (image.channels < 3 ? 0 : c)]!;
  }
  return { ...image, channels: 3, data };
}
