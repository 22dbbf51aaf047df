/**
 * @module
 * Element-wise float32 helpers for the samplers (private to this folder). Each element is computed in
 * float64 and rounded once on store, so results sit within an ulp of torch's float32 kernels.
 */
import { EngineError, Tensor } from '@momaflow/engine';

function assertSameShape(a: Tensor, b: Tensor): void {
  if (a.size !== b.size || a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new EngineError(
      'shape_mismatch',
      `tensors must have the same shape, got [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
    );
  }
}

/** out[i] = f(a[i]). */
export function map1(a: Tensor, f: (a: number) => number): Tensor {
  const out = new Float32Array(a.size);
  const da = a.data;
  for (let i = 0; i < out.length; i++) out[i] = f(da[i]!);
  return new Tensor('float32', a.shape, out);
}

/** out[i] = f(a[i], b[i]). */
export function map2(a: Tensor, b: Tensor, f: (a: number, b: number) => number): Tensor {
  assertSameShape(a, b);
  const out = new Float32Array(a.size);
  const da = a.data;
  const db = b.data;
  for (let i = 0; i < out.length; i++) out[i] = f(da[i]!, db[i]!);
  return new Tensor('float32', a.shape, out);
}

/** out[i] = f(a[i], b[i], c[i]). */
export function map3(
  a: Tensor,
  b: Tensor,
  c: Tensor,
  f: (a: number, b: number, c: number) => number,
): Tensor {
  assertSameShape(a, b);
  assertSameShape(a, c);
  const out = new Float32Array(a.size);
  const da = a.data;
  const db = b.data;
  const dc = c.data;
  for (let i = 0; i < out.length; i++) out[i] = f(da[i]!, db[i]!, dc[i]!);
  return new Tensor('float32', a.shape, out);
}
