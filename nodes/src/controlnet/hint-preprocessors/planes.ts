/**
 * @module
 * Single-channel float planes for the hint preprocessors: one image of an IMAGE batch as luminance
 * (or per channel), a separable Gaussian blur with mirrored borders, and a plane written back as a
 * gray IMAGE. Arithmetic is float64 on float32 storage.
 */
import { Tensor } from '@momaflow/engine';

/** One channel of one image, row-major. */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** ITU-R 601 luma weights, as kornia `rgb_to_grayscale` and OpenCV use. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Channel `c` of image `n` of `image` [N, H, W, C].
 * @example
 * const red = channelPlane(image, 0, 0);
 */
export function channelPlane(image: Tensor<'float32'>, n: number, c: number): Plane {
  const [, height = 0, width = 0, channels = 0] = image.shape;
  const data = new Float32Array(width * height);
  const base = n * width * height * channels;
  for (let p = 0; p < data.length; p++)
    data[p] = image.data[base + p * channels + Math.min(c, channels - 1)]!;
  return { width, height, data };
}

/**
 * Image `n` as luminance: 0.299 R + 0.587 G + 0.114 B for colour images, the gray channel otherwise.
 * @example
 * const gray = grayPlane(image, 0);
 */
export function grayPlane(image: Tensor<'float32'>, n: number): Plane {
  const channels = image.shape[3] ?? 0;
  if (channels < 3) return channelPlane(image, n, 0);
  const [r, g, b] = [0, 1, 2].map((c) => channelPlane(image, n, c)) as [Plane, Plane, Plane];
  const data = new Float32Array(r.data.length);
  for (let p = 0; p < data.length; p++)
    data[p] = LUMA[0] * r.data[p]! + LUMA[1] * g.data[p]! + LUMA[2] * b.data[p]!;
  return { width: r.width, height: r.height, data };
}

/** Mirror an index into [0, n) without repeating the edge (torch 'reflect', OpenCV BORDER_REFLECT_101). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}

/** Normalised Gaussian taps exp(-x^2 / 2 sigma^2) for x centred on the kernel (odd `size`). */
function gaussianTaps(size: number, sigma: number): Float64Array {
  const taps = new Float64Array(size);
  const mid = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    taps[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma));
    sum += taps[i]!;
  }
  return taps.map((t) => t / sum);
}

/**
 * Separable Gaussian blur with mirrored borders (kornia `gaussian_blur2d`, OpenCV `GaussianBlur`).
 * @example
 * const smooth = gaussianBlur(gray, { size: 5, sigma: 1 });
 */
export function gaussianBlur(plane: Plane, o: { readonly size: number; readonly sigma: number }): Plane {
  const { width, height, data } = plane;
  const taps = gaussianTaps(o.size, o.sigma);
  const r = (o.size - 1) / 2;
  const rows = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = 0; k < o.size; k++) acc += taps[k]! * data[y * width + reflect(x + k - r, width)]!;
      rows[y * width + x] = acc;
    }
  }
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let k = 0; k < o.size; k++) acc += taps[k]! * rows[reflect(y + k - r, height) * width + x]!;
      out[y * width + x] = acc;
    }
  }
  return { width, height, data: out };
}

/**
 * Planes (one per image) as a gray IMAGE [N, H, W, 3].
 * @example
 * const image = planesToImage([edges]);
 */
export function planesToImage(planes: readonly Plane[]): Tensor<'float32'> {
  const first = planes[0];
  const { width = 0, height = 0 } = first ?? {};
  const out = Tensor.zeros('float32', [planes.length, height, width, 3]);
  planes.forEach((plane, n) => {
    const base = n * width * height * 3;
    for (let p = 0; p < plane.data.length; p++) {
      const v = plane.data[p]!;
      out.data[base + p * 3] = v;
      out.data[base + p * 3 + 1] = v;
      out.data[base + p * 3 + 2] = v;
    }
  });
  return out;
}
