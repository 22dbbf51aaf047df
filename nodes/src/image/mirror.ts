/**
 * @module
 * Left-right mirroring of channels-last (NHWC) float32 tensors, e.g. for test-time flip averaging.
 */
import { Tensor } from '@momaflow/engine';

/**
 * `t` [N, H, W, C] mirrored left to right (column x becomes W - 1 - x).
 * @example
 * mirrorHorizontally(new Tensor('float32', [1, 1, 3, 1], Float32Array.of(1, 2, 3))).data; // [3, 2, 1]
 */
export function mirrorHorizontally(t: Tensor<'float32'>): Tensor<'float32'> {
  const [n = 0, h = 0, w = 0, c = 0] = t.shape;
  const out = new Float32Array(t.size);
  const row = w * c;
  for (let r = 0; r < n * h; r++) {
    for (let x = 0; x < w; x++) {
      const from = r * row + x * c;
      out.set(t.data.subarray(from, from + c), r * row + (w - 1 - x) * c);
    }
  }
  return new Tensor('float32', t.shape, out);
}
