/**
 * @module
 * Engine dtypes as ONNX `TensorProto.DataType` codes. One table, so a dtype added to the engine
 * `Tensor` breaks the build here until it gets a code.
 */

import type { DataTypeMap, DType } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';
import { float32ToFloat16Array } from '../weights/float16';

interface OnnxTypeInfo {
  /** `TensorProto.DataType` number. */
  readonly code: number;
  /** Bytes per element in `raw_data` (little-endian, as ONNX requires). */
  readonly bytes: number;
}

/** ONNX element type of every engine dtype. */
export const ONNX_DTYPES = {
  float32: { code: 1, bytes: 4 },
  uint8: { code: 2, bytes: 1 },
  int32: { code: 6, bytes: 4 },
  int64: { code: 7, bytes: 8 },
  bool: { code: 9, bytes: 1 },
  float16: { code: 10, bytes: 2 },
} as const satisfies Record<DType, OnnxTypeInfo>;

/** Floating dtypes the module helpers accept for activations and weights. */
export type FloatDType = 'float32' | 'float16';

/**
 * A float tensor of `dtype` from float32 values (float16 rounds to nearest even), for constants such
 * as norm scales or frequency tables that helpers create themselves.
 */
export function floatTensor<D extends FloatDType>(
  dtype: D,
  shape: readonly number[],
  values: Float32Array,
): Tensor<D> {
  const data = dtype === 'float16' ? float32ToFloat16Array(values) : values;
  return new Tensor(dtype, shape, data as DataTypeMap[D]);
}
