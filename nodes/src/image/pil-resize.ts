/**
 * @module
 * PIL's `Image.resize` on 8-bit images (libImaging/Resample.c), bit for bit: the filter taps of
 * `precompute_coeffs` rounded to 22-bit fixed point, a horizontal pass then a vertical pass, each
 * rounded and clipped back to 8 bits. Hugging Face image processors (CLIP's, so LLaVA's) resize
 * through PIL this way, and the pixel values a vision tower sees depend on that rounding.
 */
import { EngineError } from '@momaflow/engine';
import type { Image8 } from './image8';
import { type PilFilter, pilFilterTaps, type Taps } from './resample';

/** PIL's `BICUBIC` (Keys cubic with a = -0.5, support 2). */
export const PIL_BICUBIC: PilFilter = {
  support: 2,
  kernel: (x) => {
    const a = -0.5;
    const t = Math.abs(x);
    if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
    return 0;
  },
};

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

/** `normalize_coeffs_8bpc`: each weight to fixed point, rounded half away from zero. */
function fixedPoint(taps: Taps): Int32Array {
  return Int32Array.from(taps.weights, (w) => Math.trunc(w * ONE + (w < 0 ? -0.5 : 0.5)));
}

/** One pass along an axis of `outer` rows of `size` positions, `inner` samples apart. */
function pass(src: Uint8Array, o: { outer: number; size: number; inner: number; taps: Taps }): Uint8Array {
  const { outer, size, inner, taps } = o;
  const outSize = taps.offsets.length - 1;
  const kk = fixedPoint(taps);
  const out = new Uint8Array(outer * outSize * inner);
  for (let a = 0; a < outer; a++) {
    const srcBase = a * size * inner;
    const outBase = a * outSize * inner;
    for (let p = 0; p < outSize; p++) {
      for (let c = 0; c < inner; c++) {
        let ss = HALF;
        for (let t = taps.offsets[p]!; t < taps.offsets[p + 1]!; t++) {
          ss += src[srcBase + taps.indices[t]! * inner + c]! * kk[t]!;
        }
        // clip8: the arithmetic shift, then clamped to 0..255.
        const v = Math.floor(ss / ONE);
        out[outBase + p * inner + c] = Math.min(Math.max(v, 0), 255);
      }
    }
  }
  return out;
}

/**
 * `image.resize((width, height), filter)` as PIL computes it for 8-bit modes.
 * @example
 * const small = pilResize(rgb, { width: 336, height: 336, filter: PIL_BICUBIC });
 */
export function pilResize(
  image: Image8,
  o: { readonly width: number; readonly height: number; readonly filter: PilFilter },
): Image8 {
  for (const [name, v] of [
    ['width', o.width],
    ['height', o.height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new EngineError('invalid_size', `pilResize ${name} must be an integer >= 1, got ${v}`);
    }
  }
  const { channels } = image;
  let data = image.data;
  let width = image.width;
  // PIL skips a pass whose size does not change.
  if (o.width !== width) {
    const taps = pilFilterTaps(width, o.width, o.filter);
    data = pass(data, { outer: image.height, size: width, inner: channels, taps });
    width = o.width;
  }
  if (o.height !== image.height) {
    const taps = pilFilterTaps(image.height, o.height, o.filter);
    data = pass(data, { outer: 1, size: image.height, inner: width * channels, taps });
  }
  return { width: o.width, height: o.height, channels, data };
}
