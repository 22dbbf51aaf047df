/**
 * @module
 * Area and mask conditioning, ComfyUI's `calc_cond_batch` with what `process_conds` prepares for it.
 * Each entry is evaluated on its area of the latent (a crop) and weighted per pixel by its `mult`:
 * the strength, times the mask (resized to the latent) where it has one, times an 8-pixel linear
 * fade at area edges inside the latent where it has an area but no mask. A side's prediction at a
 * pixel is sum(prediction * mult) / sum(mult) over the entries covering it (0 where none does).
 * Before sampling, each side gets, for every area of the other side that it has no entry for, a copy
 * of that entry carrying its own smallest enclosing entry's prompt (`create_cond_with_same_area_if_none`),
 * so both sides of the guidance see the same regions.
 */
import { EngineError, Tensor } from '@momaflow/engine';
import { resample } from '../image';
import type { Conditioning, ConditioningEntry, LatentArea } from './diffusion-types';

/** An entry ready to run: its crop of the latent and its weights there. */
export interface RegionEntry {
  /** The conditioning entry it came from (a paired copy for the other side's areas). */
  readonly entry: ConditioningEntry;
  readonly context: Tensor<'float32'>;
  /** The crop (clamped to the latent). */
  readonly area: LatentArea;
  /** [batch, channels, area.height, area.width]. */
  readonly mult: Tensor<'float32'>;
}

/**
 * Whether any entry carries an area, a mask or a strength other than 1 (else the plain batched
 * average applies).
 * @example
 * if (hasRegions([positive, negative])) ...
 */
export function hasRegions(sides: readonly Conditioning[]): boolean {
  return sides.some((side) =>
    side.some((e) => e.area !== undefined || e.mask !== undefined || (e.strength ?? 1) !== 1),
  );
}

/** The entry's mask resized to h x w ([N, h, w]), ComfyUI's bilinear `common_upscale`. */
function maskAt(mask: Tensor<'float32'>, h: number, w: number): Tensor<'float32'> {
  const m = mask.rank === 2 ? mask.reshape([1, ...mask.shape]) : mask;
  const [n = 0, mh = 0, mw = 0] = m.shape;
  if (mh === h && mw === w) return m;
  return resample(m.reshape([n, mh, mw, 1]), { width: w, height: h, method: 'bilinear' }).reshape([n, h, w]);
}

/** The bounding box of the mask's non-zero pixels over the batch, at least 8 x 8 (`get_mask_aabb`). */
function boundsOf(mask: Tensor<'float32'>): LatentArea {
  const [n = 0, h = 0, w = 0] = mask.shape;
  let [y0, x0, y1, x1] = [h, w, -1, -1];
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (mask.data[(b * h + y) * w + x] === 0) continue;
        [y0, x0, y1, x1] = [Math.min(y0, y), Math.min(x0, x), Math.max(y1, y), Math.max(x1, x)];
      }
    }
  }
  if (y1 < 0) return { height: 8, width: 8, y: 0, x: 0 };
  return { height: Math.max(8, y1 - y0 + 1), width: Math.max(8, x1 - x0 + 1), y: y0, x: x0 };
}

/** `resolve_areas_and_cond_masks`: masks at the latent's size, "mask bounds" areas filled in. */
function resolveEntry(e: ConditioningEntry, h: number, w: number): ConditioningEntry {
  if (e.mask === undefined) return e;
  const mask = maskAt(e.mask, h, w);
  return e.setAreaToBounds ? { ...e, mask, area: boundsOf(mask) } : { ...e, mask };
}

const sameArea = (a: LatentArea, b: LatentArea) =>
  a.height === b.height && a.width === b.width && a.y === b.y && a.x === b.x;

/** Whether `inner` lies inside `outer`. */
const inside = (inner: LatentArea, outer: LatentArea) =>
  inner.y >= outer.y &&
  inner.x >= outer.x &&
  inner.y + inner.height <= outer.y + outer.height &&
  inner.x + inner.width <= outer.x + outer.width;

/** `create_cond_with_same_area_if_none`: adds to `side` a copy of `c` with its smallest enclosing prompt. */
function pairArea(side: ConditioningEntry[], c: ConditioningEntry): void {
  const area = c.area;
  if (area === undefined) return;
  let smallest: ConditioningEntry | undefined;
  for (const x of side) {
    if (x.area === undefined) {
      smallest ??= x;
    } else if (inside(area, x.area)) {
      const size = (a: LatentArea) => a.height * a.width;
      if (smallest?.area === undefined || size(smallest.area) > size(x.area)) smallest = x;
    }
  }
  if (smallest === undefined || (smallest.area !== undefined && sameArea(smallest.area, area))) return;
  side.push({ ...c, context: smallest.context });
}

/** `get_area_and_mult` for one entry of a [batch, channels, h, w] latent. */
function toRegion(e: ConditioningEntry, shape: readonly number[]): RegionEntry {
  const [batch = 0, channels = 0, h = 0, w = 0] = shape;
  const a = e.area ?? { height: h, width: w, y: 0, x: 0 };
  const area = { y: a.y, x: a.x, height: Math.min(h - a.y, a.height), width: Math.min(w - a.x, a.width) };
  if (area.height < 1 || area.width < 1) {
    throw new EngineError(
      'invalid_conditioning',
      `a conditioning area at (${a.x}, ${a.y}) lies outside the ${w}x${h} latent`,
    );
  }
  const plane = area.height * area.width;
  const weights = new Float32Array(plane).fill(e.strength ?? 1);
  if (e.mask !== undefined) {
    const [n = 1] = e.mask.shape;
    const scale = e.maskStrength ?? 1;
    const perBatch = new Float32Array(batch * plane);
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < area.height; y++) {
        for (let x = 0; x < area.width; x++) {
          const m = e.mask.data[((b % n) * h + area.y + y) * w + area.x + x]!;
          perBatch[b * plane + y * area.width + x] = m * scale * weights[y * area.width + x]!;
        }
      }
    }
    return { entry: e, context: e.context, area, mult: expandChannels(perBatch, batch, channels, area) };
  }
  if (e.area !== undefined) fadeEdges(weights, area, h, w);
  const perBatch = new Float32Array(batch * plane);
  for (let b = 0; b < batch; b++) perBatch.set(weights, b * plane);
  return { entry: e, context: e.context, area, mult: expandChannels(perBatch, batch, channels, area) };
}

/** ComfyUI's 8-pixel fade (rr = min(8, size / 4)) on the area's sides that lie inside the latent. */
function fadeEdges(weights: Float32Array, area: LatentArea, h: number, w: number): void {
  const fade = (size: number, atStart: boolean, atEnd: boolean, scaleAt: (i: number, f: number) => void) => {
    const rr = Math.min(8, Math.floor(size / 4));
    for (let t = 0; t < rr; t++) {
      const f = (1 / rr) * (t + 1);
      if (atStart) scaleAt(t, f);
      if (atEnd) scaleAt(size - 1 - t, f);
    }
  };
  fade(area.height, area.y !== 0, area.height + area.y < h, (row, f) => {
    for (let x = 0; x < area.width; x++) weights[row * area.width + x]! *= f;
  });
  fade(area.width, area.x !== 0, area.width + area.x < w, (col, f) => {
    for (let y = 0; y < area.height; y++) weights[y * area.width + col]! *= f;
  });
}

function expandChannels(
  perBatch: Float32Array,
  batch: number,
  channels: number,
  area: LatentArea,
): Tensor<'float32'> {
  const plane = area.height * area.width;
  const out = new Float32Array(batch * channels * plane);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++)
      out.set(perBatch.subarray(b * plane, (b + 1) * plane), (b * channels + c) * plane);
  }
  return new Tensor('float32', [batch, channels, area.height, area.width], out);
}

/**
 * Both sides' entries as regions of a latent of `shape` (masks resized, bounds filled in, opposite
 * areas paired).
 * @example
 * const { positive, negative } = resolveRegions({ positive, negative, shape: x.shape });
 */
export function resolveRegions(o: {
  readonly positive: Conditioning;
  readonly negative: Conditioning;
  readonly shape: readonly number[];
}): { positive: RegionEntry[]; negative: RegionEntry[] } {
  const [, , h = 0, w = 0] = o.shape;
  const pos = o.positive.map((e) => resolveEntry(e, h, w));
  const neg = o.negative.map((e) => resolveEntry(e, h, w));
  for (const c of [...pos]) pairArea(neg, c);
  for (const c of [...neg]) pairArea(pos, c);
  return { positive: pos.map((e) => toRegion(e, o.shape)), negative: neg.map((e) => toRegion(e, o.shape)) };
}

/**
 * Rows [y, y + h) and columns [x, x + w) of every [*, *, H, W] plane.
 * @example
 * const input = cropArea(x, region.area);
 */
export function cropArea(t: Tensor<'float32'>, a: LatentArea): Tensor<'float32'> {
  const [n = 0, c = 0, h = 0, w = 0] = t.shape;
  const out = new Float32Array(n * c * a.height * a.width);
  for (let p = 0; p < n * c; p++) {
    for (let y = 0; y < a.height; y++) {
      const from = (p * h + a.y + y) * w + a.x;
      out.set(t.data.subarray(from, from + a.width), (p * a.height + y) * a.width);
    }
  }
  return new Tensor('float32', [n, c, a.height, a.width], out);
}

/**
 * The weighted average of the regions' predictions over a latent of `shape`: sum(pred * mult) /
 * (1e-37 + sum(mult)) per pixel, as ComfyUI accumulates `out_conds` / `out_counts`.
 * @example
 * const cond = combineRegions(shape, regions.map((r, i) => ({ region: r, prediction: predictions[i] })));
 */
export function combineRegions(
  shape: readonly number[],
  parts: readonly { readonly region: RegionEntry; readonly prediction: Tensor<'float32'> }[],
): Tensor<'float32'> {
  const [n = 0, c = 0, h = 0, w = 0] = shape;
  const sum = new Float64Array(n * c * h * w);
  const count = new Float64Array(n * c * h * w).fill(1e-37);
  for (const { region, prediction } of parts) {
    const a = region.area;
    for (let p = 0; p < n * c; p++) {
      for (let y = 0; y < a.height; y++) {
        for (let x = 0; x < a.width; x++) {
          const src = (p * a.height + y) * a.width + x;
          const dst = (p * h + a.y + y) * w + a.x + x;
          const m = region.mult.data[src]!;
          sum[dst]! += prediction.data[src]! * m;
          count[dst]! += m;
        }
      }
    }
  }
  return new Tensor(
    'float32',
    [n, c, h, w],
    Float32Array.from(sum, (v, i) => v / count[i]!),
  );
}
