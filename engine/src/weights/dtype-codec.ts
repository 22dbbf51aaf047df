/**
 * @module
 * Turns the raw bytes of a stored tensor into the arrays readers return: floating types widen to
 * float32 and integer types to int64, whatever byte order the file was written in.
 */
import { bfloat16ToFloat32Array, float16ToFloat32Array } from './float16';
import type { WeightDType } from './weight-reader';

/** Bytes per element of each stored type. */
export const DTYPE_BYTES = {
  F32: 4,
  F16: 2,
  BF16: 2,
  F64: 8,
  I64: 8,
  I32: 4,
  U8: 1,
  BOOL: 1,
} as const satisfies Record<WeightDType, number>;

/** Whether the machine stores numbers little-endian (all Node targets we know of, but we do not assume it). */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Whether a string names a stored type this module can decode. */
export function isWeightDType(name: string): name is WeightDType {
  return Object.hasOwn(DTYPE_BYTES, name);
}

/** Reverses each element's bytes in place, for files whose byte order differs from the host's. */
function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * Copies `bytes` into a fresh, aligned buffer in host byte order, so typed-array views over it are valid.
 * The caller's bytes are never modified.
 */
function hostOrderBuffer(bytes: Uint8Array, width: number, littleEndian: boolean): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  if (littleEndian !== HOST_IS_LITTLE_ENDIAN) swapBytes(copy, width);
  return copy.buffer;
}

/** Decodes `count` elements of a floating type to float32. */
export function decodeFloat32(
  dtype: 'F32' | 'F16' | 'BF16' | 'F64',
  bytes: Uint8Array,
  count: number,
  littleEndian = true,
): Float32Array {
  const buf = hostOrderBuffer(
    bytes.subarray(0, count * DTYPE_BYTES[dtype]),
    DTYPE_BYTES[dtype],
    littleEndian,
  );
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf, 0, count);
    case 'F16':
      return float16ToFloat32Array(new Uint16Array(buf, 0, count));
    case 'BF16':
      return bfloat16ToFloat32Array(new Uint16Array(buf, 0, count));
    case 'F64':
      return Float32Array.from(new Float64Array(buf, 0, count));
  }
}

/** Decodes `count` elements of an integer or bool type to int64. */
export function decodeInt64(
  dtype: 'I64' | 'I32' | 'U8' | 'BOOL',
  bytes: Uint8Array,
  count: number,
  littleEndian = true,
): BigInt64Array {
  const buf = hostOrderBuffer(
    bytes.subarray(0, count * DTYPE_BYTES[dtype]),
    DTYPE_BYTES[dtype],
    littleEndian,
  );
  switch (dtype) {
    case 'I64':
      return new BigInt64Array(buf, 0, count);
    case 'I32':
      return BigInt64Array.from(new Int32Array(buf, 0, count), (v) => BigInt(v));
    case 'U8':
      return BigInt64Array.from(new Uint8Array(buf, 0, count), (v) => BigInt(v));
    case 'BOOL':
      // torch and safetensors store bools as one byte; any non-zero byte is true.
      return BigInt64Array.from(new Uint8Array(buf, 0, count), (v) => (v === 0 ? 0n : 1n));
  }
}
