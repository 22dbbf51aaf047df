import { describe, expect, it } from 'vitest';
import { decodeFloat32, decodeInt64, isWeightDType } from './dtype-codec';

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

describe(decodeFloat32.name, () => {
  it.each([
    ['F32', bytesOf(new Float32Array([1.5, -2])), [1.5, -2]],
    ['F16', bytesOf(new Uint16Array([0x3e00, 0xc000])), [1.5, -2]],
    ['BF16', bytesOf(new Uint16Array([0x3fc0, 0xc000])), [1.5, -2]],
    ['F64', bytesOf(new Float64Array([1.5, -2])), [1.5, -2]],
  ] as const)('%s widens to float32', (dtype, bytes, expected) => {
    expect([...decodeFloat32(dtype, bytes, 2)]).toEqual(expected);
  });

  it('swaps big-endian data and leaves the input untouched', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    const copy = be.slice();
    expect([...decodeFloat32('F32', be, 2, false)]).toEqual([1.5, -2]);
    expect(be).toEqual(copy);
  });

  it('decodes from an unaligned offset', () => {
    const buf = new Uint8Array(9);
    buf.set(bytesOf(new Float32Array([3, 4])), 1);
    expect([...decodeFloat32('F32', buf.subarray(1), 2)]).toEqual([3, 4]);
  });
});

describe(decodeInt64.name, () => {
  it.each([
    ['I64', bytesOf(new BigInt64Array([-5n, 2n ** 40n])), [-5n, 2n ** 40n]],
    ['I32', bytesOf(new Int32Array([-5, 7])), [-5n, 7n]],
    ['U8', Uint8Array.from([255, 0]), [255n, 0n]],
    ['BOOL', Uint8Array.from([2, 0]), [1n, 0n]],
  ] as const)('%s widens to int64', (dtype, bytes, expected) => {
    expect([...decodeInt64(dtype, bytes, 2)]).toEqual(expected);
  });

  it('swaps big-endian int64', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setBigInt64(0, -3n, false);
    expect([...decodeInt64('I64', be, 1, false)]).toEqual([-3n]);
  });
});

describe(isWeightDType.name, () => {
  it.each(['F32', 'F16', 'BF16', 'F64', 'I64', 'I32', 'U8', 'BOOL'])('accepts %s', (d) => {
    expect(isWeightDType(d)).toBe(true);
  });
  it.each(['F8_E4M3', 'I16', 'toString', '__proto__', ''])('rejects %s', (d) => {
    expect(isWeightDType(d)).toBe(false);
  });
});
