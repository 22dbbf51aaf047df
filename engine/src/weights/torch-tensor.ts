/**
 * @module
 * Reading a torch tensor view from its storage. A torch tensor is `storage[offset + Σ i_k * stride_k]`,
 * so a transposed or sliced tensor saved as-is shares (part of) a larger storage. We read only the byte
 * window the view touches, decode it, and gather the elements in row-major order.
 */
import { EngineError } from '../errors/engine-error';
import { shapeSize, Tensor } from '../tensor';
import { DTYPE_BYTES, decodeFloat32, decodeInt64 } from './dtype-codec';
import type { TorchTensorRef } from './torch-globals';
import type { TensorInfo, WeightTensor } from './weight-reader';
import { isFloatDType } from './weight-reader';

/** Fetches bytes [start, start + length) of storage `key`. */
export type StorageLoader = (key: string, start: number, length: number) => Promise<Uint8Array>;

/** Copies a strided view of `src` (element positions relative to the window start) into `out`. */
function gather<A extends Float32Array | BigInt64Array>(
  src: A,
  shape: readonly number[],
  stride: readonly number[],
  out: A,
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = src[0]!;
    return;
  }
  const index = new Array<number>(rank).fill(0);
  const innerSize = shape[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  let base = 0;
  for (let o = 0; o < out.length; o += innerSize) {
    for (let j = 0, s = base; j < innerSize; j++, s += innerStride) out[o + j] = src[s]!;
    // Odometer over the outer dimensions, keeping `base` = Σ index_k * stride_k.
    for (let k = rank - 2; k >= 0; k--) {
      index[k]! += 1;
      base += stride[k]!;
      if (index[k]! < shape[k]!) break;
      base -= index[k]! * stride[k]!;
      index[k] = 0;
    }
  }
}

function isRowMajor(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] !== 1 && stride[k] !== expected) return false;
    expected *= shape[k]!;
  }
  return true;
}

/**
 * A lazy handle to one tensor of a torch file: shape and dtype are known, data is read on `read()`.
 * @example
 * const tree = await readTorchPickle('attn_adapters_projectors.th');
 * const w = tree.projectors;
 * if (isTorchTree(w) && w['proj.weight'] instanceof TorchTensorHandle) await w['proj.weight'].readFloat32();
 */
export class TorchTensorHandle {
  readonly info: TensorInfo;
  readonly #ref: TorchTensorRef;
  readonly #load: StorageLoader;
  readonly #littleEndian: boolean;
  readonly #source: string;

  /** Built by the torch reader; not meant to be constructed by users. */
  constructor(options: {
    name: string;
    ref: TorchTensorRef;
    load: StorageLoader;
    littleEndian: boolean;
    source: string;
  }) {
    this.info = { name: options.name, dtype: options.ref.storage.dtype, shape: options.ref.shape };
    this.#ref = options.ref;
    this.#load = options.load;
    this.#littleEndian = options.littleEndian;
    this.#source = options.source;
  }

  /** The view layout, for callers that care (tied weights share a storage key). */
  get storage(): { readonly key: string; readonly offset: number; readonly stride: readonly number[] } {
    return { key: this.#ref.storage.key, offset: this.#ref.offset, stride: this.#ref.stride };
  }

  /** Reads the tensor: floating types as float32, integer and bool types as int64. */
  async read(): Promise<WeightTensor> {
    const { storage, offset, shape, stride } = this.#ref;
    const count = shapeSize(shape);
    const width = DTYPE_BYTES[storage.dtype];
    let span = count === 0 ? 0 : 1;
    for (let k = 0; k < shape.length && count > 0; k++) span += (shape[k]! - 1) * stride[k]!;
    const bytes = await this.#load(storage.key, offset * width, span * width);
    const contiguous = span === count && isRowMajor(shape, stride);
    switch (storage.dtype) {
      case 'F32':
      case 'F16':
      case 'BF16':
      case 'F64': {
        const window = decodeFloat32(storage.dtype, bytes, span, this.#littleEndian);
        if (contiguous) return new Tensor('float32', shape, window);
        const out = new Float32Array(count);
        gather(window, shape, stride, out);
        return new Tensor('float32', shape, out);
      }
      case 'I64':
      case 'I32':
      case 'U8':
      case 'BOOL': {
        const window = decodeInt64(storage.dtype, bytes, span, this.#littleEndian);
        if (contiguous) return new Tensor('int64', shape, window);
        const out = new BigInt64Array(count);
        gather(window, shape, stride, out);
        return new Tensor('int64', shape, out);
      }
    }
  }

  /** Reads a floating tensor as float32; rejects with `weight_not_float` for integer tensors. */
  async readFloat32(): Promise<Tensor<'float32'>> {
    if (!isFloatDType(this.info.dtype)) {
      throw new EngineError(
        'weight_not_float',
        `${this.#source}: tensor '${this.info.name}' is ${this.info.dtype}, not a floating type`,
        { path: this.#source, tensor: this.info.name, dtype: this.info.dtype },
      );
    }
    return (await this.read()) as Tensor<'float32'>;
  }
}
