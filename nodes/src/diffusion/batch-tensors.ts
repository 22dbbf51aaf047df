/**
 * @module
 * Batch-axis helpers for float32 NCHW-like tensors (axis 0): what the CFG denoiser needs to run the
 * unconditional and conditional passes as one batched UNet call and take the results apart again.
 */
import { EngineError, Tensor } from '@momaflow/engine';

/**
 * Tensors of equal item shape stacked along axis 0.
 * @example
 * concatBatch([a, b]).shape; // [a.shape[0] + b.shape[0], ...a.shape.slice(1)]
 */
export function concatBatch(parts: readonly Tensor<'float32'>[]): Tensor<'float32'> {
  const first = parts[0];
  if (first === undefined) throw new EngineError('invalid_input', 'concatBatch needs at least one tensor');
  const item = first.shape.slice(1).join('x');
  let rows = 0;
  for (const p of parts) {
    if (p.shape.slice(1).join('x') !== item) {
      throw new EngineError(
        'shape_mismatch',
        `cannot batch [${p.shape.join(', ')}] with [${first.shape.join(', ')}]: item shapes differ`,
      );
    }
    rows += p.shape[0] ?? 0;
  }
  const out = Tensor.zeros('float32', [rows, ...first.shape.slice(1)]);
  let offset = 0;
  for (const p of parts) {
    out.data.set(p.data, offset);
    offset += p.size;
  }
  return out;
}

/**
 * Rows [start, start + count) of axis 0.
 * @example
 * sliceBatch(t, 1, 1).shape; // [1, ...t.shape.slice(1)]
 */
export function sliceBatch(t: Tensor<'float32'>, start: number, count: number): Tensor<'float32'> {
  const per = t.size / (t.shape[0] || 1);
  return new Tensor(
    'float32',
    [count, ...t.shape.slice(1)],
    t.data.slice(start * per, (start + count) * per),
  );
}

/**
 * The element-wise mean of same-shaped tensors (the tensor itself when there is one).
 * @example
 * meanOf([a, b]).data[0] === (a.data[0] + b.data[0]) / 2;
 */
export function meanOf(parts: readonly Tensor<'float32'>[]): Tensor<'float32'> {
  const first = parts[0];
  if (first === undefined) throw new EngineError('invalid_input', 'meanOf needs at least one tensor');
  if (parts.length === 1) return first;
  const sum = new Float64Array(first.size);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i]! += p.data[i]!;
  return new Tensor(
    'float32',
    first.shape,
    Float32Array.from(sum, (v) => v / parts.length),
  );
}

/**
 * Every element times `factor`.
 * @example
 * scaled(latent, 0.18215);
 */
export function scaled(t: Tensor<'float32'>, factor: number): Tensor<'float32'> {
  return new Tensor(
    'float32',
    t.shape,
    t.data.map((v) => v * factor),
  );
}

/**
 * Every element divided by `divisor` (ComfyUI's `process_out`: latent / scale_factor).
 * @example
 * divided(samples, 0.18215);
 */
export function divided(t: Tensor<'float32'>, divisor: number): Tensor<'float32'> {
  return new Tensor(
    'float32',
    t.shape,
    t.data.map((v) => v / divisor),
  );
}

/**
 * A conditioning context's rows for a latent batch: its own rows when it has one per latent, else its
 * single row repeated.
 * @example
 * rowsForBatch(context, 2).shape[0]; // 2
 */
export function rowsForBatch(context: Tensor<'float32'>, batch: number): Tensor<'float32'> {
  return context.shape[0] === batch
    ? context
    : concatBatch(new Array<Tensor<'float32'>>(batch).fill(context));
}
