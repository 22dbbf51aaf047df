/**
 * @module
 * Which reference positions an injection attends to. MoMA adds a score bias that removes keys outside
 * the reference subject mask (`masked_fill(mask == 0, -max)`, the mask resized to the layer by nearest
 * neighbour); dropping those keys before the run gives the same softmax over fewer keys, so each
 * layer's captured K/V are compacted to the kept positions once per run. A layer where the resized
 * mask keeps nothing gets one zero key and value: its injection adds exactly 0 (MoMA would attend
 * uniformly over the whole reference there).
 */
import { Tensor } from '@momaflow/engine';

/**
 * The kept positions of a mask [.., H, W] (binarised at 0.5) resized by nearest neighbour to
 * height x width (PyTorch `nearest`: source floor(i * in / out)); every position when `mask` is
 * undefined.
 * @example
 * keptPositions(mask, 8, 8); // [0, 1, 8, 9, ...]
 */
export function keptPositions(mask: Tensor<'float32'> | undefined, height: number, width: number): number[] {
  const all = Array.from({ length: height * width }, (_, i) => i);
  if (mask === undefined) return all;
  const mh = mask.shape.at(-2) ?? 0;
  const mw = mask.shape.at(-1) ?? 0;
  return all.filter((i) => {
    const y = Math.min(mh - 1, Math.floor((Math.floor(i / width) * mh) / height));
    const x = Math.min(mw - 1, Math.floor(((i % width) * mw) / width));
    return mask.data[y * mw + x]! >= 0.5;
  });
}

/**
 * Rows `positions` of a captured [1, N, C] tensor as [1, M, C]; one zero row when none is kept.
 * @example
 * compactReference(refK, keptPositions(mask, 8, 8)).shape; // [1, M, C]
 */
export function compactReference(t: Tensor<'float32'>, positions: readonly number[]): Tensor<'float32'> {
  const channels = t.shape[2] ?? 0;
  if (positions.length === 0) return Tensor.zeros('float32', [1, 1, channels]);
  const out = Tensor.zeros('float32', [1, positions.length, channels]);
  positions.forEach((p, i) => {
    out.data.set(t.data.subarray(p * channels, (p + 1) * channels), i * channels);
  });
  return out;
}
