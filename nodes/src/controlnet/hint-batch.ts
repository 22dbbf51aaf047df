/**
 * @module
 * How hint rows meet the rows of a batched call: ComfyUI's `broadcast_image_to`
 * (comfy/controlnet.py). A single hint serves every row; otherwise each chunk of the call (one
 * conditioning entry's latents) gets hints 0, 1, ... cycled to the chunk's length.
 */
import { Tensor } from '@momaflow/engine';

/**
 * `rows` of `t` [n, ...] for a call of `rows` rows in `chunks` equal chunks.
 * @example
 * broadcastRows(embedding, 4, 2).shape[0]; // 4: hints [0, 1, 0, 1] for a batch of 2 under [uncond, cond]
 */
export function broadcastRows(t: Tensor<'float32'>, rows: number, chunks: number): Tensor<'float32'> {
  const n = t.shape[0] ?? 0;
  const per = t.size / Math.max(1, n);
  const perChunk = rows / chunks;
  const source = (row: number) => (n === 1 ? 0 : (row % perChunk) % Math.min(n, perChunk));
  if (n === rows && chunks === 1) return t;
  const out = new Float32Array(rows * per);
  for (let row = 0; row < rows; row++)
    out.set(t.data.subarray(source(row) * per, (source(row) + 1) * per), row * per);
  return new Tensor('float32', [rows, ...t.shape.slice(1)], out);
}
