/**
 * @module
 * MoMA's generated-subject mask from cross-attention maps (bytedance/MoMA `IPAttnProcessor` in
 * `extract` mode and `get_mask_from_cross`), for any latent size, batch and guidance layout:
 * 1. per layer and batch row: the subject tokens' attention (mean over heads, summed over the
 *    tokens) min-max normalised over the row's positions;
 * 2. each layer's map resized by nearest neighbour to the latent and averaged over layers (MoMA
 *    upsamples to 512x512 first; with power-of-two sizes that gives the same values);
 * 3. per latent, over the rows that denoise it (MoMA: the whole [uncond; cond] batch): min-max
 *    normalised, values at or below the threshold zeroed, min-max normalised again;
 * 4. the latent's mask is its cond rows' mean (MoMA has one cond row).
 * A constant map normalises to zeros instead of dividing by zero.
 */
import { Tensor } from '@momaflow/engine';
import type { BatchRow } from '../models/unet';

/** One layer's subject attention: `data` holds `rows` maps of height x width, row-major. */
export interface LayerSubjectMap {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
}

/** Options of `generatedSubjectMask`. */
export interface GeneratedSubjectMaskOptions {
  readonly maps: readonly LayerSubjectMap[];
  readonly rows: readonly BatchRow[];
  /** Latent height and width: the mask's size. */
  readonly height: number;
  readonly width: number;
  /** MoMA: 0.2. */
  readonly threshold: number;
}

/** (v - min) / (max - min) over `values` in place; zeros when they are all equal. */
function minMax(values: Float64Array): void {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo;
  for (let i = 0; i < values.length; i++) values[i] = span > 0 ? (values[i]! - lo) / span : 0;
}

/** Index of the nearest-neighbour source for output `i` (PyTorch `nearest`: floor(i * in / out)). */
const nearest = (i: number, from: number, to: number) => Math.min(from - 1, Math.floor((i * from) / to));

/**
 * The mask per latent, [latents, 1, height, width] in [0, 1].
 * @example
 * const mask = generatedSubjectMask({ maps, rows: run.rows, height: 64, width: 64, threshold: 0.2 });
 */
export function generatedSubjectMask(o: GeneratedSubjectMaskOptions): Tensor<'float32'> {
  const { rows, height, width } = o;
  const size = height * width;
  const averaged = rows.map(() => new Float64Array(size));
  for (const map of o.maps) {
    const n = map.height * map.width;
    rows.forEach((_, r) => {
      const own = Float64Array.from(map.data.subarray(r * n, (r + 1) * n));
      minMax(own);
      const target = averaged[r]!;
      for (let y = 0; y < height; y++) {
        const sy = nearest(y, map.height, height);
        for (let x = 0; x < width; x++) {
          target[y * width + x]! += own[sy * map.width + nearest(x, map.width, width)]! / o.maps.length;
        }
      }
    });
  }
  const latents = rows.reduce((m, row) => Math.max(m, row.latent + 1), 0);
  const out = Tensor.zeros('float32', [latents, 1, height, width]);
  for (let latent = 0; latent < latents; latent++) {
    const members = rows.flatMap((row, r) => (row.latent === latent ? [r] : []));
    const joined = new Float64Array(members.length * size);
    members.forEach((r, i) => {
      joined.set(averaged[r]!, i * size);
    });
    minMax(joined);
    for (let i = 0; i < joined.length; i++) if (!(joined[i]! > o.threshold)) joined[i] = 0;
    minMax(joined);
    const cond = members.flatMap((r, i) => (rows[r]!.role === 'cond' ? [i] : []));
    const target = out.data.subarray(latent * size, (latent + 1) * size);
    for (const i of cond) {
      for (let p = 0; p < size; p++) target[p]! += joined[i * size + p]! / cond.length;
    }
  }
  return out;
}
