/**
 * @module
 * Image resampling on float32 NHWC tensors of any channel count (images, masks as [N,H,W,1], feature
 * maps), done in TypeScript rather than sharp so values are never quantised to 8 bits.
 *
 * Every method is separable: for each axis a table of source taps and weights per output position,
 * applied along the width, then along the height. The tables follow the reference implementations:
 * - `nearest-exact`, `bilinear` (align_corners=False, no antialias), `bicubic` (A = -0.75) and
 *   `area` (adaptive average pooling): torch `F.interpolate`, CPU kernels in aten/src/ATen/native/UpSample.h.
 *   torch computes source coordinates in float32 for float tensors; `Math.fround` reproduces its
 *   index choices where a coordinate lands on a boundary.
 * - `lanczos` (a = 3): PIL's `precompute_coeffs` (libImaging/Resample.c), which widens the kernel when
 *   shrinking (antialiasing). ComfyUI's lanczos goes through PIL on 8-bit data; this is the same filter
 *   without the 8-bit rounding.
 */
import { EngineError, Tensor } from '@momaflow/engine';

/** The methods of ComfyUI's ImageScale, in its order (its `upscale_method` options). */
export const RESAMPLE_METHODS = ['nearest-exact', 'bilinear', 'area', 'bicubic', 'lanczos'] as const;
export type ResampleMethod = (typeof RESAMPLE_METHODS)[number];

/** For each output position `o`: taps `offsets[o] .. offsets[o+1]` of (source index, weight). */
export interface Taps {
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float64Array;
}

function buildTaps(
  outSize: number,
  tapsFor: (o: number, push: (index: number, weight: number) => void) => void,
): Taps {
  const offsets = new Int32Array(outSize + 1);
  const indices: number[] = [];
  const weights: number[] = [];
  const push = (index: number, weight: number) => {
    indices.push(index);
    weights.push(weight);
  };
  for (let o = 0; o < outSize; o++) {
    tapsFor(o, push);
    offsets[o + 1] = indices.length;
  }
  return { offsets, indices: Int32Array.from(indices), weights: Float64Array.from(weights) };
}

const f32 = Math.fround;
const clampIndex = (i: number, size: number) => Math.min(Math.max(i, 0), size - 1);

// torch's cubic convolution (Keys, A = -0.75), aten/src/ATen/native/UpSample.h.
const CUBIC_A = -0.75;
const cubic1 = (x: number) => ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
const cubic2 = (x: number) => ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** A PIL resampling filter (libImaging/Resample.c): its kernel and half-width at scale 1. */
export interface PilFilter {
  readonly support: number;
  readonly kernel: (x: number) => number;
}

/** PIL's `LANCZOS` (a = 3). */
export const PIL_LANCZOS: PilFilter = {
  support: 3,
  kernel: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0),
};

/**
 * PIL's `precompute_coeffs`: the kernel widened by the shrink factor (antialiasing), normalised to
 * sum 1 per output position, computed in the same order as PIL so the 8-bit path can round them the
 * same way.
 * @example
 * const taps = pilFilterTaps(512, 336, PIL_BICUBIC);
 */
export function pilFilterTaps(inSize: number, outSize: number, filter: PilFilter): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ss = 1 / filterScale;
  return buildTaps(outSize, (o, push) => {
    const center = (o + 0.5) * scale;
    const min = Math.max(Math.trunc(center - support + 0.5), 0);
    const max = Math.min(Math.trunc(center + support + 0.5), inSize);
    const ws: number[] = [];
    for (let i = min; i < max; i++) ws.push(filter.kernel((i - center + 0.5) * ss));
    const total = ws.reduce((a, b) => a + b, 0);
    for (const [k, w] of ws.entries()) push(min + k, total === 0 ? w : w / total);
  });
}

/** The tap table for one axis, per method (all tables are built the reference's way). */
const TAP_BUILDERS = {
  'nearest-exact': (inSize, outSize) => {
    const scale = f32(inSize / outSize);
    return buildTaps(outSize, (o, push) => push(Math.min(Math.floor(f32((o + 0.5) * scale)), inSize - 1), 1));
  },
  bilinear: (inSize, outSize) => {
    const scale = f32(inSize / outSize);
    return buildTaps(outSize, (o, push) => {
      const src = Math.max(f32(f32(scale * (o + 0.5)) - 0.5), 0);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const lambda = Math.min(Math.max(f32(src - i0), 0), 1);
      push(i0, 1 - lambda);
      push(Math.min(i0 + 1, inSize - 1), lambda);
    });
  },
  bicubic: (inSize, outSize) => {
    const scale = f32(inSize / outSize);
    return buildTaps(outSize, (o, push) => {
      // Unlike bilinear, the cubic source coordinate is not clamped at 0; out-of-range taps are.
      const src = f32(f32(scale * (o + 0.5)) - 0.5);
      const i = Math.floor(src);
      const t = f32(src - i);
      push(clampIndex(i - 1, inSize), cubic2(t + 1));
      push(clampIndex(i, inSize), cubic1(t));
      push(clampIndex(i + 1, inSize), cubic1(1 - t));
      push(clampIndex(i + 2, inSize), cubic2(2 - t));
    });
  },
  area: (inSize, outSize) =>
    buildTaps(outSize, (o, push) => {
      // adaptive_avg_pool: window [floor(o*in/out), ceil((o+1)*in/out)).
      const start = Math.floor((o * inSize) / outSize);
      const end = Math.ceil(((o + 1) * inSize) / outSize);
      for (let i = start; i < end; i++) push(i, 1 / (end - start));
    }),
  lanczos: (inSize, outSize) => pilFilterTaps(inSize, outSize, PIL_LANCZOS),
} satisfies Record<ResampleMethod, (inSize: number, outSize: number) => Taps>;

/**
 * Applies `taps` along one axis of a [outer, size, inner] array: out[a, o, b] = sum w * in[a, i, b].
 * `inner` is the product of the axes after the resampled one (width * channels for the height axis).
 */
function applyTaps(
  src: ArrayLike<number>,
  outer: number,
  size: number,
  inner: number,
  taps: Taps,
  out: Float64Array | Float32Array,
): void {
  const outSize = taps.offsets.length - 1;
  for (let a = 0; a < outer; a++) {
    const srcBase = a * size * inner;
    const outBase = a * outSize * inner;
    for (let o = 0; o < outSize; o++) {
      const dst = outBase + o * inner;
      for (let b = 0; b < inner; b++) {
        let sum = 0;
        for (let t = taps.offsets[o]!; t < taps.offsets[o + 1]!; t++) {
          sum += taps.weights[t]! * src[srcBase + taps.indices[t]! * inner + b]!;
        }
        out[dst + b] = sum;
      }
    }
  }
}

export interface ResampleOptions {
  readonly width: number;
  readonly height: number;
  readonly method: ResampleMethod;
}

/**
 * Resizes a float32 NHWC tensor (any channel count) to `width` x `height`. Values are not clamped:
 * bicubic and lanczos overshoot at edges as they do in torch and PIL's float modes.
 * @example
 * const big = resample(image, { width: 1024, height: 768, method: 'bicubic' });
 * const maskBig = resample(mask.reshape([n, h, w, 1]), { width: 1024, height: 768, method: 'bilinear' });
 */
export function resample(input: Tensor<'float32'>, options: ResampleOptions): Tensor<'float32'> {
  const { width, height, method } = options;
  const [batch = 0, inH = 0, inW = 0, channels = 0] = input.shape;
  if (input.rank !== 4 || inH < 1 || inW < 1) {
    throw new EngineError(
      'invalid_shape',
      `resample expects an NHWC tensor with H, W >= 1, got [${input.shape.join(', ')}]`,
    );
  }
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new EngineError('invalid_size', `resample ${name} must be an integer >= 1, got ${value}`);
    }
  }
  const build = TAP_BUILDERS[method];
  // Width first: [N*H, W, C] -> [N*H, width, C]; then height: [N, H, width*C] -> [N, height, width*C].
  const rows = new Float64Array(batch * inH * width * channels);
  applyTaps(input.data, batch * inH, inW, channels, build(inW, width), rows);
  const out = new Float32Array(batch * height * width * channels);
  applyTaps(rows, batch, inH, width * channels, build(inH, height), out);
  return new Tensor('float32', [batch, height, width, channels], out);
}
