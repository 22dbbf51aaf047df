/**
 * @module
 * Deterministic safetensors writer. Tensors are laid out in sorted-name order, `__metadata__` comes first
 * in the header, and the header is padded with spaces to a multiple of 8 bytes as the reference
 * implementation does, so that every tensor starts 8-byte aligned and equal inputs give equal bytes.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { EngineError } from '../errors/engine-error';
import type { DType, Tensor } from '../tensor';
import { float16ToFloat32Array, float32ToBfloat16Array, float32ToFloat16Array } from './float16';
import type { WeightDType } from './weight-reader';

/** Options of `writeSafetensors` / `encodeSafetensors`. */
export interface WriteSafetensorsOptions {
  /** Storage type of floating tensors (float32 and float16 alike); integer tensors keep theirs. Default F32. */
  readonly dtype?: 'F32' | 'F16' | 'BF16';
  /** Free-form string metadata stored as `__metadata__`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Any engine tensor; the writer accepts every dtype the Tensor class knows. */
export type AnyTensor = { [K in DType]: Tensor<K> }[DType];

const INT_DTYPES = {
  int64: 'I64',
  int32: 'I32',
  uint8: 'U8',
  bool: 'BOOL',
} as const satisfies Record<Exclude<DType, 'float32' | 'float16'>, WeightDType>;

/** Little-endian bytes of one tensor in its storage type. */
function tensorBytes(
  t: AnyTensor,
  floatDType: 'F32' | 'F16' | 'BF16',
): { dtype: WeightDType; bytes: Uint8Array } {
  if (floatDType === 'BF16' && (t.dtype === 'float32' || t.dtype === 'float16')) {
    const wide = t.dtype === 'float32' ? t.data : float16ToFloat32Array(t.data);
    return { dtype: 'BF16', bytes: littleEndianBytes(float32ToBfloat16Array(wide)) };
  }
  if (t.dtype === 'float32' || t.dtype === 'float16') {
    const data =
      floatDType === 'F16'
        ? t.dtype === 'float16'
          ? t.data
          : float32ToFloat16Array(t.data)
        : t.dtype === 'float32'
          ? t.data
          : float16ToFloat32Array(t.data);
    return { dtype: floatDType, bytes: littleEndianBytes(data) };
  }
  return { dtype: INT_DTYPES[t.dtype], bytes: littleEndianBytes(t.data) };
}

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function littleEndianBytes(
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (!HOST_IS_LITTLE_ENDIAN) {
    const w = data.BYTES_PER_ELEMENT;
    for (let i = 0; i < bytes.length; i += w) bytes.subarray(i, i + w).reverse();
  }
  return bytes;
}

/**
 * Serialises tensors to safetensors bytes in memory.
 * @example
 * const bytes = encodeSafetensors({ w: Tensor.filled([2], 1) }, { dtype: 'F16' });
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, AnyTensor>>,
  options: WriteSafetensorsOptions = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  // The JSON is assembled by hand: a JS object would move integer-like names ("0", "1") ahead of the rest.
  const fields: string[] = [];
  if (options.metadata) {
    const meta = Object.keys(options.metadata)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(options.metadata![k])}`);
    fields.push(`"__metadata__":{${meta.join(',')}}`);
  }
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') {
      throw new EngineError(
        'safetensors_reserved_name',
        `tensor name '__metadata__' is reserved by the safetensors format`,
      );
    }
    const t = tensors[name]!;
    const { dtype, bytes } = tensorBytes(t, options.dtype ?? 'F32');
    const entry = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = `{${fields.join(',')}}`;
  const jsonBytes = new TextEncoder().encode(json);
  json += ' '.repeat((8 - (jsonBytes.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/**
 * Writes tensors to a safetensors file. The file appears atomically: bytes go to a temporary sibling
 * that is renamed over `path`, so a crash never leaves a half-written checkpoint behind.
 * @example
 * await writeSafetensors('models/tiny/unet.safetensors', { 'conv_in.weight': w }, { dtype: 'F16', metadata: { format: 'pt' } });
 */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, AnyTensor>>,
  options: WriteSafetensorsOptions = {},
): Promise<void> {
  const bytes = encodeSafetensors(tensors, options);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new EngineError(
      'weight_file_unwritable',
      `${path}: cannot write safetensors file (${String(err)})`,
      { path },
      {
        cause: err,
      },
    );
  }
}
