/**
 * @module
 * How values cross between the server and a pack's sandbox process: one frame per message, a small
 * JSON header plus the raw bytes of every tensor and byte array in it (no JSON for pixel data, no
 * base64). A 512x512 IMAGE (3 MiB of float32) is written as its own bytes and read back with one copy.
 *
 * Frame: u32 length of the rest | u32 header bytes | u32 blob count | u32 byte length per blob |
 * header (UTF-8 JSON) | blobs. All little-endian.
 */
import { EngineError } from '../../errors/engine-error';
import { type DataTypeMap, type DType, Tensor } from '../../tensor/tensor';

/** The largest frame either side accepts (a bound on what an untrusted child can make us buffer). */
export const MAX_FRAME_BYTES = 1024 * 1024 * 1024;

const TYPED_ARRAYS = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint8Array,
  Uint16Array,
  Int8Array,
  Int16Array,
  Uint32Array,
  BigInt64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;
type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[TypedArrayName]>;

const DTYPE_ARRAYS = {
  float32: 'Float32Array',
  float16: 'Uint16Array',
  int32: 'Int32Array',
  int64: 'BigInt64Array',
  uint8: 'Uint8Array',
  bool: 'Uint8Array',
} as const satisfies Record<DType, TypedArrayName>;

function typedArrayName(value: object): TypedArrayName | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  const name = value.constructor.name;
  // A Buffer is a Uint8Array.
  if (value instanceof Uint8Array) return 'Uint8Array';
  return Object.hasOwn(TYPED_ARRAYS, name) ? (name as TypedArrayName) : undefined;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A message split into its JSON header and the blobs it refers to by index. */
export interface EncodedMessage {
  readonly header: Uint8Array;
  readonly blobs: readonly Uint8Array[];
}

/**
 * Encodes `message`: tensors become `{ $tensor, dtype, shape }`, typed arrays `{ $array, type }`
 * (indices into the blobs), `undefined` becomes `{ $undefined: 1 }`. Anything else that is not plain
 * data (a function, a class instance such as a MODEL) is refused, naming where it was.
 */
export function encodeMessage(message: unknown): EncodedMessage {
  const blobs: Uint8Array[] = [];
  const bytesOf = (array: AnyTypedArray) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  const walk = (value: unknown, where: string): unknown => {
    if (value === undefined) return { $undefined: 1 };
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
    if (typeof value === 'bigint') return { $bigint: value.toString() };
    if (typeof value !== 'object') {
      throw new EngineError(
        'sandbox_value_unsupported',
        `${where}: a ${typeof value} cannot cross into or out of a pack sandbox`,
      );
    }
    if (value instanceof Tensor) {
      blobs.push(bytesOf(value.data));
      return { $tensor: blobs.length - 1, dtype: value.dtype, shape: [...value.shape] };
    }
    const arrayName = typedArrayName(value);
    if (arrayName) {
      blobs.push(bytesOf(value as AnyTypedArray));
      return { $array: blobs.length - 1, type: arrayName };
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${where}[${i}]`));
    if (!isPlainObject(value)) {
      throw new EngineError(
        'sandbox_value_unsupported',
        `${where}: a ${value.constructor?.name ?? 'object'} cannot cross into or out of a pack sandbox (only tensors, arrays, numbers, strings and plain objects do)`,
      );
    }
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, `${where}.${key}`);
    return out;
  };
  const header = new TextEncoder().encode(JSON.stringify(walk(message, 'value')));
  return { header, blobs };
}

/** The frame's bytes, as chunks to write in order (blobs are views, not copies). */
export function frameChunks(encoded: EncodedMessage): Uint8Array[] {
  const { header, blobs } = encoded;
  const prefix = new DataView(new ArrayBuffer(12 + 4 * blobs.length));
  let total = 8 + 4 * blobs.length + header.byteLength;
  blobs.forEach((blob, i) => {
    prefix.setUint32(12 + 4 * i, blob.byteLength, true);
    total += blob.byteLength;
  });
  if (total > MAX_FRAME_BYTES) {
    throw new EngineError(
      'sandbox_frame_too_large',
      `a sandbox message of ${total} bytes is over the ${MAX_FRAME_BYTES}-byte limit`,
    );
  }
  prefix.setUint32(0, total, true);
  prefix.setUint32(4, header.byteLength, true);
  prefix.setUint32(8, blobs.length, true);
  return [new Uint8Array(prefix.buffer), header, ...blobs];
}

function typedArrayFrom(name: TypedArrayName, bytes: Uint8Array): AnyTypedArray {
  const Ctor = TYPED_ARRAYS[name];
  if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
    throw new EngineError(
      'sandbox_frame_invalid',
      `a ${name} blob of ${bytes.byteLength} bytes is not whole elements`,
    );
  }
  // One copy into an aligned buffer of its own (frame offsets need not be aligned).
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer);
}

function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(DTYPE_ARRAYS, value);
}

/** Decodes one frame's body (after the length prefix); tensors come back as this process's `Tensor`. */
export function decodeFrame(body: Uint8Array): unknown {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const fail = (why: string): never => {
    throw new EngineError('sandbox_frame_invalid', `malformed sandbox message: ${why}`);
  };
  if (body.byteLength < 8) fail('shorter than its header');
  const headerBytes = view.getUint32(0, true);
  const blobCount = view.getUint32(4, true);
  let offset = 8 + 4 * blobCount;
  if (offset + headerBytes > body.byteLength) fail('header past the end');
  const blobs: Uint8Array[] = [];
  let blobStart = offset + headerBytes;
  for (let i = 0; i < blobCount; i++) {
    const length = view.getUint32(8 + 4 * i, true);
    if (blobStart + length > body.byteLength) fail(`blob ${i} past the end`);
    blobs.push(body.subarray(blobStart, blobStart + length));
    blobStart += length;
  }
  const header = new TextDecoder().decode(body.subarray(offset, offset + headerBytes));
  offset = blobStart;
  const blobAt = (index: unknown): Uint8Array =>
    typeof index === 'number' && blobs[index] ? blobs[index] : fail(`no blob ${String(index)}`);
  return JSON.parse(header, (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    if (Object.hasOwn(value, '$undefined')) return undefined;
    if (Object.hasOwn(value, '$number')) return Number(Reflect.get(value, '$number'));
    if (Object.hasOwn(value, '$bigint')) return BigInt(String(Reflect.get(value, '$bigint')));
    if (Object.hasOwn(value, '$array')) {
      const type = Reflect.get(value, 'type');
      if (typeof type !== 'string' || !Object.hasOwn(TYPED_ARRAYS, type))
        fail(`unknown array type ${String(type)}`);
      return typedArrayFrom(type as TypedArrayName, blobAt(Reflect.get(value, '$array')));
    }
    if (Object.hasOwn(value, '$tensor')) {
      const dtype = Reflect.get(value, 'dtype');
      const shape = Reflect.get(value, 'shape');
      if (!isDType(dtype)) return fail(`unknown tensor dtype ${String(dtype)}`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
        return fail('bad tensor shape');
      const data = typedArrayFrom(DTYPE_ARRAYS[dtype], blobAt(Reflect.get(value, '$tensor')));
      return new Tensor(dtype, shape as number[], data as DataTypeMap[typeof dtype]);
    }
    return value;
  });
}

/**
 * Splits a byte stream into frame bodies. Chunks are kept as they come and joined once a frame is
 * complete, so a large tensor costs one join, not one per chunk.
 * @example
 * const reader = createFrameReader((body) => onMessage(decodeFrame(body)));
 * socket.on('data', reader.push);
 */
export function createFrameReader(onFrame: (body: Uint8Array) => void): { push(chunk: Uint8Array): void } {
  let chunks: Uint8Array[] = [];
  let buffered = 0;
  let needed = -1;
  const join = (): Uint8Array => {
    if (chunks.length === 1 && chunks[0]) return chunks[0];
    const all = new Uint8Array(buffered);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.byteLength;
    }
    chunks = [all];
    return all;
  };
  return {
    push(chunk) {
      chunks.push(chunk);
      buffered += chunk.byteLength;
      for (;;) {
        if (needed < 0) {
          if (buffered < 4) return;
          const head = join();
          needed = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
          if (needed > MAX_FRAME_BYTES) {
            throw new EngineError(
              'sandbox_frame_too_large',
              `a sandbox message of ${needed} bytes is over the limit`,
            );
          }
        }
        if (buffered < 4 + needed) return;
        const all = join();
        const body = all.subarray(4, 4 + needed);
        const rest = all.subarray(4 + needed);
        chunks = rest.byteLength > 0 ? [rest] : [];
        buffered = rest.byteLength;
        needed = -1;
        onFrame(body);
      }
    },
  };
}
