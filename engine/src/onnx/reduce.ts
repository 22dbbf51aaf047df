/**
 * @module
 * Reduce ops (ReduceMean, ReduceSum, ...) over given axes for any supported opset: opset 18 moved
 * the axes from an attribute to an input.
 */
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** The reduce operators this helper emits. */
export type ReduceOpType = 'ReduceMean' | 'ReduceSum' | 'ReduceSumSquare' | 'ReduceMax' | 'ReduceMin';

/**
 * `type` over `axes` of `x`, keeping the reduced axes as size 1 unless `keepDims` is false.
 * @example
 * const meanSquare = reduce(b, 'ReduceMean', b.op('Mul', [x, x]), [-1]);
 */
export function reduce<D extends FloatDType>(
  b: OnnxBuilder,
  type: ReduceOpType,
  x: Value<D>,
  axes: readonly number[],
  keepDims = true,
): Value<D> {
  const keepdims = keepDims ? 1 : 0;
  return b.opset >= 18
    ? b.op(type, [x, b.constInt64(axes)], { keepdims })
    : b.op(type, [x], { axes: [...axes], keepdims });
}
