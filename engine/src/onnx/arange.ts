/**
 * @module
 * `arange(length)` in the graph: the int64 positions 0..length-1 of a sequence whose length is only
 * known at run time (RoPE tables, causal masks).
 */
import { Tensor } from '../tensor/tensor';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/**
 * Positions [length] for an int64 [1] `length` (e.g. a Slice of Shape).
 * @example
 * const positions = arange(b, b.op('Slice', [b.op('Shape', [x], {}, { dtype: 'int64' }), b.constInt64([1]), b.constInt64([2])]));
 */
export function arange(b: OnnxBuilder, length: Value<'int64'>): Value<'int64'> {
  const scalar = (v: number) => b.constant(new Tensor('int64', [], BigInt64Array.of(BigInt(v))), 'index');
  return b.op('Range', [scalar(0), b.op('Squeeze', [length, b.constInt64([0])]), scalar(1)]);
}
