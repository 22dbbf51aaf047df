import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors/engine-error';
import {
  parseSafetensorsHeader,
  parseSafetensorsHeaderLength,
  SAFETENSORS_MAX_HEADER_BYTES,
} from './safetensors-header';

const PATH = 'test.safetensors';

/** Parses a header object as if followed by `dataSize` bytes of data. */
function parse(header: unknown, dataSize: number) {
  const json = new TextEncoder().encode(JSON.stringify(header));
  return parseSafetensorsHeader(json, 8 + json.length + dataSize, PATH);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof EngineError) return err.code;
    throw err;
  }
}

function lengthPrefix(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

describe(parseSafetensorsHeader.name, () => {
  it('accepts a valid header with metadata and returns sorted offsets relative to the data section', () => {
    const h = parse(
      {
        __metadata__: { format: 'pt' },
        b: { dtype: 'F16', shape: [2], data_offsets: [8, 12] },
        a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] },
        empty: { dtype: 'F32', shape: [0, 3], data_offsets: [12, 12] },
      },
      12,
    );
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.entries.get('b')).toEqual({ name: 'b', dtype: 'F16', shape: [2], begin: 8, end: 12 });
    expect(h.entries.get('empty')?.shape).toEqual([0, 3]);
  });

  it.each([
    ['not an object', [1, 2], 0, 'safetensors_bad_header'],
    ['null', null, 0, 'safetensors_bad_header'],
    ['entry missing shape', { a: { dtype: 'F32', data_offsets: [0, 4] } }, 4, 'safetensors_bad_header'],
    ['negative dim', { a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4, 'safetensors_bad_header'],
    [
      'fractional dim',
      { a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } },
      4,
      'safetensors_bad_header',
    ],
    ['string dim', { a: { dtype: 'F32', shape: ['1'], data_offsets: [0, 4] } }, 4, 'safetensors_bad_header'],
    [
      'extra field',
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], x: 1 } },
      4,
      'safetensors_bad_header',
    ],
    [
      'three offsets',
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4, 8] } },
      4,
      'safetensors_bad_header',
    ],
    ['metadata not strings', { __metadata__: { a: 1 } }, 0, 'safetensors_bad_header'],
    [
      'unknown dtype',
      { a: { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } },
      1,
      'safetensors_unknown_dtype',
    ],
    [
      'unsupported dtype',
      { a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } },
      1,
      'safetensors_unknown_dtype',
    ],
    [
      'offsets out of range',
      { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } },
      8,
      'safetensors_offset_out_of_range',
    ],
    [
      'reversed offsets',
      { a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } },
      4,
      'safetensors_bad_offsets',
    ],
    [
      'size mismatch',
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } },
      4,
      'safetensors_bad_offsets',
    ],
    [
      'overlap',
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
      },
      8,
      'safetensors_bad_offsets',
    ],
    ['hole', { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8, 'safetensors_bad_offsets'],
    [
      'trailing bytes',
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
      8,
      'safetensors_bad_offsets',
    ],
    [
      'huge shape',
      { a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } },
      4,
      'safetensors_bad_offsets',
    ],
  ])('rejects %s', (_name, header, dataSize, code) => {
    expect(codeOf(() => parse(header, dataSize))).toBe(code);
  });

  it('rejects invalid UTF-8 and invalid JSON', () => {
    expect(codeOf(() => parseSafetensorsHeader(Uint8Array.from([0x7b, 0xff, 0x7d]), 11, PATH))).toBe(
      'safetensors_bad_header',
    );
    expect(codeOf(() => parseSafetensorsHeader(new TextEncoder().encode('{"a":'), 13, PATH))).toBe(
      'safetensors_bad_header',
    );
  });

  it('keeps "__proto__" as an ordinary tensor name', () => {
    const json = new TextEncoder().encode('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}');
    const h = parseSafetensorsHeader(json, 8 + json.length + 1, PATH);
    expect([...h.entries.keys()]).toEqual(['__proto__']);
  });

  it('names the file and the tensor in its messages', () => {
    expect(() => parse({ 'unet.w': { dtype: 'Q7', shape: [1], data_offsets: [0, 1] } }, 1)).toThrow(
      /test\.safetensors: tensor 'unet\.w' has unknown or unsupported dtype 'Q7'/,
    );
  });
});

describe(parseSafetensorsHeaderLength.name, () => {
  it.each([
    ['a file shorter than 8 bytes', new Uint8Array(3), 3, 'safetensors_truncated'],
    ['a length past the end of the file', lengthPrefix(100n), 50, 'safetensors_truncated'],
    [
      'a length over the limit',
      lengthPrefix(BigInt(SAFETENSORS_MAX_HEADER_BYTES) + 1n),
      2 ** 40,
      'safetensors_header_too_large',
    ],
    ['a length of 2^64-1', lengthPrefix(2n ** 64n - 1n), 100, 'safetensors_header_too_large'],
    ['a length too short for JSON', lengthPrefix(1n), 100, 'safetensors_bad_header'],
  ])('rejects %s', (_name, prefix, size, code) => {
    expect(codeOf(() => parseSafetensorsHeaderLength(prefix, size, PATH))).toBe(code);
  });

  it('returns the length when it fits', () => {
    expect(parseSafetensorsHeaderLength(lengthPrefix(10n), 18, PATH)).toBe(10);
  });
});

describe('header fuzzing', () => {
  const valid = new TextEncoder().encode(
    JSON.stringify({
      __metadata__: { format: 'pt' },
      a: { dtype: 'F16', shape: [2, 2], data_offsets: [0, 8] },
      b: { dtype: 'I64', shape: [1], data_offsets: [8, 16] },
    }),
  );

  /** Either a valid header or an EngineError: any other exception type fails the property. */
  function parsesOrEngineError(json: Uint8Array, fileSize: number): boolean {
    try {
      const prefix = lengthPrefix(BigInt(json.length));
      const n = parseSafetensorsHeaderLength(prefix, fileSize, PATH);
      parseSafetensorsHeader(json.subarray(0, n), fileSize, PATH);
      return true;
    } catch (err) {
      if (err instanceof EngineError) return true;
      throw err;
    }
  }

  it('gives a header or an EngineError for mutated valid headers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: -4, max: 40 }),
        (edits, extra) => {
          const json = valid.slice();
          for (const [at, byte] of edits) json[at] = byte;
          return parsesOrEngineError(json, 8 + json.length + Math.max(0, 16 + extra));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives a header or an EngineError for random bytes and random JSON', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(1000), (bytes, size) =>
        parsesOrEngineError(bytes, size),
      ),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(64), (value, dataSize) => {
        const json = new TextEncoder().encode(JSON.stringify(value) ?? 'null');
        return parsesOrEngineError(json, 8 + json.length + dataSize);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives a header or an EngineError for structurally plausible random entries', () => {
    const entry = fc.record({
      dtype: fc.constantFrom('F32', 'F16', 'BF16', 'I64', 'U8', 'BOOL', 'X9', 'I16'),
      shape: fc.array(fc.oneof(fc.nat(5), fc.integer({ min: -2, max: 2 }), fc.constant(1e20)), {
        maxLength: 3,
      }),
      data_offsets: fc.tuple(fc.nat(64), fc.nat(64)),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 4 }), entry, { maxKeys: 4 }),
        fc.nat(64),
        (header, dataSize) => {
          const json = new TextEncoder().encode(JSON.stringify(header));
          return parsesOrEngineError(json, 8 + json.length + dataSize);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
