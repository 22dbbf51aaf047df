import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmaf } from './float32-fma';

/** Exact value of a normal float32 as mantissa * 2^exponent. */
function decompose(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  const bits = view.getUint32(0);
  const exp = (bits >>> 23) & 0xff;
  const m = BigInt((bits & 0x7fffff) | 0x800000) * (bits >>> 31 ? -1n : 1n);
  return { m, e: exp - 127 - 23 };
}

/** round_f32(a * b + c) computed exactly with BigInt, ties to even. */
function referenceFma(a: number, b: number, c: number): number {
  const pa = decompose(a);
  const pb = decompose(b);
  const pc = decompose(c);
  const pe = pa.e + pb.e;
  const e = Math.min(pe, pc.e);
  const n = ((pa.m * pb.m) << BigInt(pe - e)) + (pc.m << BigInt(pc.e - e));
  if (n === 0n) return 0;
  const sign = n < 0n ? -1 : 1;
  const abs = n < 0n ? -n : n;
  const shift = abs.toString(2).length - 24;
  if (shift <= 0) return sign * Number(abs) * 2 ** e;
  let q = abs >> BigInt(shift);
  const rem = abs - (q << BigInt(shift));
  const half = 1n << BigInt(shift - 1);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return sign * Number(q) * 2 ** (e + shift);
}

const float32 = fc
  .tuple(fc.integer({ min: 0x800000, max: 0xffffff }), fc.integer({ min: -30, max: 30 }), fc.boolean())
  .map(([m, e, neg]) => (neg ? -1 : 1) * m * 2 ** (e - 23));

describe(fmaf.name, () => {
  it('rounds once where float64-then-float32 rounding would round twice', () => {
    const t = Math.fround(1 + 2 ** -12);
    // t * t = 1 + 2^-11 + 2^-24 is a float32 midpoint; the tiny addend decides the direction.
    expect(Math.fround(t * t + 2 ** -80)).toBe(1 + 2 ** -11);
    expect(fmaf(t, t, 2 ** -80)).toBe(1 + 2 ** -11 + 2 ** -23);
    expect(fmaf(t, t, -(2 ** -80))).toBe(1 + 2 ** -11);
    // An exact tie rounds to even.
    expect(fmaf(t, t, 0)).toBe(1 + 2 ** -11);
  });

  it('equals the exactly rounded a * b + c for random float32 triples', () => {
    fc.assert(
      fc.property(float32, float32, float32, (a, b, c) => {
        expect(fmaf(a, b, c)).toBe(referenceFma(a, b, c));
      }),
      { numRuns: 5000 },
    );
  });

  it('equals the exactly rounded result when c nearly cancels a * b', () => {
    fc.assert(
      fc.property(float32, float32, fc.integer({ min: -64, max: 64 }), (a, b, k) => {
        const c = Math.fround(-(a * b)) + k * 2 ** (Math.floor(Math.log2(Math.abs(a * b))) - 40);
        const cf = Math.fround(c);
        expect(fmaf(a, b, cf)).toBe(referenceFma(a, b, cf));
      }),
      { numRuns: 3000 },
    );
  });
});
