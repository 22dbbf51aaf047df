/**
 * @module
 * Single-precision fused multiply-add, `fmaf(a, b, c)` = round_f32(a * b + c) with one rounding, for
 * emulating float32 SIMD code that a C++ compiler contracted into FMA instructions (see
 * avx-mathfun.ts). JavaScript has no FMA, so the float64 sum is corrected where double rounding could
 * land on the wrong side of a float32 tie.
 */

// Reinterpret scratch for one float32 <-> uint32 conversion; never holds state between calls.
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The float32 adjacent to `x` (itself a float32) in the direction of `toward`. */
function float32Neighbour(x: number, toward: number): number {
  if (x === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  F32[0] = x;
  const up = toward > x;
  // Positive values grow with their bit pattern, negative ones shrink.
  U32[0] = (U32[0]! + (x > 0 === up ? 1 : -1)) >>> 0;
  return F32[0]!;
}

/**
 * Fused multiply-add of three float32 values, correctly rounded to float32.
 * @example
 * const t = Math.fround(1 + 2 ** -12);
 * fmaf(t, t, 2 ** -80); // 1 + 2**-11 + 2**-23, where Math.fround(t * t + 2 ** -80) gives 1 + 2**-11
 */
export function fmaf(a: number, b: number, c: number): number {
  // Two float32 significands of 24 bits multiply to at most 48 bits: exact in float64.
  const p = a * b;
  const s = p + c;
  const r = Math.fround(s);
  if (r === s || !Number.isFinite(s)) return r;
  // Knuth's TwoSum: err is the exact rounding error of s = p + c.
  const bv = s - p;
  const err = p - (s - bv) + (c - bv);
  if (err === 0) return r;
  const other = float32Neighbour(r, s);
  const lo = Math.min(r, other);
  const hi = Math.max(r, other);
  // Only when s sits exactly on a float32 midpoint can the lost err change the rounding direction.
  if (s - lo !== hi - s) return r;
  return err > 0 ? hi : lo;
}
