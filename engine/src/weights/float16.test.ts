import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import {
  bfloat16ToFloat32Array,
  float16BitsToFloat32,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  float32ToFloat16Bits,
} from './float16';
import { encodeSafetensors } from './safetensors-writer';

/** Reference half value of raw bits, from the IEEE definition (independent of the implementation). */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

describe(float32ToFloat16Bits.name, () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest half
    [65519.99, 0x7bff], // below the rounding midpoint to Inf
    [65520, 0x7c00], // midpoint rounds to even, i.e. Inf
    [1e6, 0x7c00],
    [Number.NEGATIVE_INFINITY, 0xfc00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // exact midpoint between 0 and 2^-24: ties to even (0)
    [1.5 * 2 ** -25, 0x0001], // above the midpoint
    [3 * 2 ** -25, 0x0002], // midpoint between 1 and 2 subnormal ulps: ties to even (2)
    [1 + 2 ** -11, 0x3c00], // midpoint between 1 and 1+2^-10: ties to even (1)
    [1 + 3 * 2 ** -11, 0x3c02], // midpoint between 1+2^-10 and 1+2^-9: ties to even
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
  ])('%f -> %i', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('keeps NaN a NaN, including payloads only in the low bits', () => {
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
    const f = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]!; // NaN with payload bit 0 only
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(f)))).toBe(true);
  });

  it('widens every one of the 65536 halves exactly and narrows it back to the same bits', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = float16BitsToFloat32(h);
      const ref = halfValue(h);
      const ok = Number.isNaN(ref) ? Number.isNaN(v) : Object.is(v, ref) && float32ToFloat16Bits(v) === h;
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds every float32 to the nearest half, ties to even (property)', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, min: -65504, max: 65504 }), (x) => {
        const h = float32ToFloat16Bits(x);
        const v = halfValue(h);
        const err = Math.abs(v - x);
        // The neighbours of h on the same side of zero must not be strictly closer.
        for (const n of [h - 1, h + 1]) {
          if ((n & 0x7fff) > 0x7bff || (n & 0x8000) !== (h & 0x8000) || n < 0) continue;
          const nerr = Math.abs(halfValue(n) - x);
          expect(nerr >= err).toBe(true);
          if (nerr === err) expect(h & 1).toBe(0);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe(float32ToFloat16Array.name, () => {
  it('agrees with the scalar conversion and accepts unaligned views', () => {
    const buf = new Float32Array([0, 0.1, -3.75, 70000, 1e-8]);
    const view = new Float32Array(buf.buffer, 4, 4);
    expect([...float32ToFloat16Array(view)]).toEqual([...view].map(float32ToFloat16Bits));
    expect([...float16ToFloat32Array(float32ToFloat16Array(new Float32Array([1, -0.5, 2048])))]).toEqual([
      1, -0.5, 2048,
    ]);
  });
});

describe(bfloat16ToFloat32Array.name, () => {
  it('treats bfloat16 as the top 16 bits of a float32', () => {
    expect([...bfloat16ToFloat32Array(new Uint16Array([0x3f80, 0xc040, 0x0000, 0x7f80]))]).toEqual([
      1,
      -3,
      0,
      Number.POSITIVE_INFINITY,
    ]);
  });
});

describe(float32ToBfloat16Array.name, () => {
  it('rounds to the nearest bfloat16, ties to even, keeping infinities and NaN', () => {
    const ulp = 2 ** -7;
    const input = [
      1,
      1 + ulp / 2,
      1 + (3 * ulp) / 2,
      1 + ulp / 2 + 2 ** -20,
      -3,
      Number.POSITIVE_INFINITY,
      Number.NaN,
    ];
    const out = bfloat16ToFloat32Array(float32ToBfloat16Array(input));
    expect([...out.slice(0, 6)]).toEqual([1, 1, 1 + 2 * ulp, 1 + ulp, -3, Number.POSITIVE_INFINITY]);
    expect(out[6]).toBeNaN();
  });

  it('is what encodeSafetensors stores for dtype BF16', () => {
    const t = Tensor.filled([3], 1 + 2 ** -9);
    const reader = encodeSafetensors({ t }, { dtype: 'BF16' });
    const header = JSON.parse(
      new TextDecoder().decode(
        reader.subarray(8, 8 + Number(new DataView(reader.buffer).getBigUint64(0, true))),
      ),
    );
    expect(header.t.dtype).toBe('BF16');
    expect(reader.byteLength - 8 - Number(new DataView(reader.buffer).getBigUint64(0, true))).toBe(6);
  });
});
