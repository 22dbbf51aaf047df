/**
 * @module
 * Engine `Tensor` <-> `ort.Tensor`, sharing the typed array (no copy) in both directions. float16 is a
 * `Uint16Array` of raw half bits on both sides; bool is a `Uint8Array` of 0/1.
 */
import * as ort from 'onnxruntime-node';
import { EngineError } from '../errors/engine-error';
import type { DataTypeMap, DType } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';

const ORT_TYPES = {
  float32: 'float32',
  float16: 'float16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  bool: 'bool',
} as const satisfies Record<DType, ort.Tensor.Type>;

function isEngineDType(t: string): t is DType {
  return Object.hasOwn(ORT_TYPES, t);
}

/**
 * Wrap an engine tensor for `session.run` feeds.
 * @example
 * const feeds = { sample: toOrtTensor(latents) };
 */
export function toOrtTensor(t: Tensor<DType>): ort.Tensor {
  return new ort.Tensor(ORT_TYPES[t.dtype], t.data as ort.Tensor.DataType, [...t.shape]);
}

/**
 * Wrap a CPU `ort.Tensor` (a session output) as an engine tensor, checking its dtype when `expected`
 * is given.
 * @example
 * const noise = fromOrtTensor(out.noise_pred!, 'float32');
 */
export function fromOrtTensor<D extends DType>(t: ort.Tensor, expected: D): Tensor<D>;
export function fromOrtTensor(t: ort.Tensor): Tensor<DType>;
export function fromOrtTensor(t: ort.Tensor, expected?: DType): Tensor<DType> {
  if (!isEngineDType(t.type)) {
    throw new EngineError('unsupported_dtype', `onnxruntime tensor type '${t.type}' has no engine dtype`);
  }
  if (expected !== undefined && t.type !== expected) {
    throw new EngineError('dtype_mismatch', `expected a ${expected} tensor, onnxruntime returned ${t.type}`);
  }
  if (t.location !== 'cpu') {
    throw new EngineError(
      'unsupported_location',
      `tensor data is on '${t.location}'; download it to the CPU first`,
    );
  }
  return new Tensor(t.type, t.dims, t.data as DataTypeMap[DType]);
}
