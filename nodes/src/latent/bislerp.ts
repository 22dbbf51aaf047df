/**
 * @module
 * ComfyUI's `bislerp` (comfy/utils.py): a bilinear resize of an NCHW latent in which each pair of
 * neighbouring pixels is blended by spherical interpolation of their channel vectors (directions
 * slerped, lengths lerped) instead of a straight line, first along the width, then along the height.
 * The neighbour pairs and blend ratios are torch's bilinear (align_corners=False) positions.
 */
import { Tensor } from '@momaflow/engine';

const f32 = Math.fround;

/** Per output position: the two source indices and the ratio, from bilinearly resized index ramps. */
function pairs(oldSize: number, newSize: number): { lo: Int32Array; hi: Int32Array; ratio: Float32Array } {
  const scale = f32(oldSize / newSize);
  const lo = new Int32Array(newSize);
  const hi = new Int32Array(newSize);
  const ratio = new Float32Array(newSize);
  for (let o = 0; o < newSize; o++) {
    const src = Math.max(f32(f32(scale * (o + 0.5)) - 0.5), 0);
    const i0 = Math.min(Math.floor(src), oldSize - 1);
    const i1 = Math.min(i0 + 1, oldSize - 1);
    const l = Math.min(Math.max(f32(src - i0), 0), 1);
    // Interpolated ramps arange(old) and arange(old) + 1 with the last entry pulled back by one.
    const c1 = f32(f32((1 - l) * i0) + f32(l * i1));
    const up = (i: number) => (i === oldSize - 1 ? i : i + 1);
    const c2 = f32(f32((1 - l) * up(i0)) + f32(l * up(i1)));
    lo[o] = Math.trunc(c1);
    hi[o] = Math.trunc(c2);
    ratio[o] = f32(c1 - Math.floor(c1));
  }
  return { lo, hi, ratio };
}

/** slerp of two channel vectors with ratio r, ComfyUI's edge cases included. */
function slerp(a: Float64Array, b: Float64Array, r: number, out: Float64Array): void {
  let na = 0;
  let nb = 0;
  for (let c = 0; c < a.length; c++) {
    na += a[c]! * a[c]!;
    nb += b[c]! * b[c]!;
  }
  na = Math.sqrt(na);
  nb = Math.sqrt(nb);
  let dot = 0;
  for (let c = 0; c < a.length; c++) dot += (na === 0 ? 0 : a[c]! / na) * (nb === 0 ? 0 : b[c]! / nb);
  if (dot > 1 - 1e-5) {
    out.set(a);
    return;
  }
  if (dot < 1e-5 - 1) {
    for (let c = 0; c < a.length; c++) out[c] = a[c]! * (1 - r) + b[c]! * r;
    return;
  }
  const omega = Math.acos(dot);
  const so = Math.sin(omega);
  const wa = Math.sin((1 - r) * omega) / so;
  const wb = Math.sin(r * omega) / so;
  const length = na * (1 - r) + nb * r;
  for (let c = 0; c < a.length; c++) {
    out[c] = (wa * (na === 0 ? 0 : a[c]! / na) + wb * (nb === 0 ? 0 : b[c]! / nb)) * length;
  }
}

/** One pass along the last axis of [n, c, rows, cols] (rows x cols -> rows x newCols). */
function passAlongWidth(t: Tensor<'float32'>, newCols: number): Tensor<'float32'> {
  const [n = 0, c = 0, rows = 0, cols = 0] = t.shape;
  const { lo, hi, ratio } = pairs(cols, newCols);
  const out = new Float32Array(n * c * rows * newCols);
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  const r = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < newCols; x++) {
        for (let ch = 0; ch < c; ch++) {
          const row = ((i * c + ch) * rows + y) * cols;
          a[ch] = t.data[row + lo[x]!]!;
          b[ch] = t.data[row + hi[x]!]!;
        }
        slerp(a, b, ratio[x]!, r);
        for (let ch = 0; ch < c; ch++) out[((i * c + ch) * rows + y) * newCols + x] = r[ch]!;
      }
    }
  }
  return new Tensor('float32', [n, c, rows, newCols], out);
}

/** [n, c, h, w] with the last two axes swapped. */
function swapSpatial(t: Tensor<'float32'>): Tensor<'float32'> {
  const [n = 0, c = 0, h = 0, w = 0] = t.shape;
  const out = new Float32Array(t.size);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[p * h * w + x * h + y] = t.data[p * h * w + y * w + x]!;
  }
  return new Tensor('float32', [n, c, w, h], out);
}

/**
 * Resize an NCHW latent to width x height by bislerp.
 * @example
 * const up = bislerp(latent.samples, 128, 96);
 */
export function bislerp(samples: Tensor<'float32'>, width: number, height: number): Tensor<'float32'> {
  const wide = passAlongWidth(samples, width);
  return swapSpatial(passAlongWidth(swapSpatial(wide), height));
}
