/**
 * @module
 * A small typed tensor: dtype tied to its backing array (as onnxruntime's `Tensor.DataTypeMap`), a shape,
 * and row-major data. IMAGE values are float32 NHWC in [0,1] and MASK values float32 NHW in [0,1], as in
 * ComfyUI; the shape convention lives in the socket type, not in this class.
 */
import { EngineError } from '../errors/engine-error';

export interface DataTypeMap {
  float32: Float32Array;
  float16: Uint16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type DType = keyof DataTypeMap;

const ARRAY_CTORS = {
  float32: Float32Array,
  float16: Uint16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} satisfies { [K in DType]: new (n: number) => DataTypeMap[K] };

/** Number of elements of a shape; rejects negative or fractional dimensions. */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new EngineError('invalid_shape', `shape [${shape.join(', ')}] has an invalid dimension ${d}`);
    }
    n *= d;
  }
  return n;
}

/**
 * An immutable-by-convention n-dimensional array.
 * @example
 * const mask = Tensor.zeros('float32', [1, 64, 64]);
 * const img = new Tensor('float32', [1, 2, 2, 3], new Float32Array(12));
 */
export class Tensor<T extends DType = 'float32'> {
  readonly dtype: T;
  readonly shape: readonly number[];
  readonly data: DataTypeMap[T];

  constructor(dtype: T, shape: readonly number[], data: DataTypeMap[T]) {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new EngineError(
        'invalid_shape',
        `tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${size}`,
      );
    }
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  static zeros<T extends DType>(dtype: T, shape: readonly number[]): Tensor<T> {
    const Ctor = ARRAY_CTORS[dtype] as unknown as new (n: number) => DataTypeMap[T];
    return new Tensor(dtype, shape, new Ctor(shapeSize(shape)));
  }

  static filled(shape: readonly number[], value: number): Tensor<'float32'> {
    return new Tensor('float32', shape, new Float32Array(shapeSize(shape)).fill(value));
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  get byteLength(): number {
    return this.data.byteLength;
  }

  /** Same data, new shape (sizes must agree). */
  reshape(shape: readonly number[]): Tensor<T> {
    return new Tensor(this.dtype, shape, this.data);
  }

  /** A deep copy whose data may be mutated freely. */
  clone(): Tensor<T> {
    return new Tensor(this.dtype, this.shape, this.data.slice() as DataTypeMap[T]);
  }

  /** Used by the cache to bound memory. */
  estimateBytes(): number {
    return this.data.byteLength + 64;
  }

  toString(): string {
    return `Tensor<${this.dtype}>[${this.shape.join('x')}]`;
  }
}

/** Narrow an unknown value to a float32 tensor with the given rank, or explain why not. */
export function isFloatTensor(value: unknown, rank?: number): value is Tensor<'float32'> {
  return value instanceof Tensor && value.dtype === 'float32' && (rank === undefined || value.rank === rank);
}
