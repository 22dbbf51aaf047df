/**
 * @module
 * Scalar, bit-exact emulation of the two float32 SIMD functions torch's AVX2 `randn` kernel calls:
 * `log256_ps` and `sincos256_ps` from pytorch `aten/src/ATen/native/cpu/avx_mathfun.h` (Giovanni
 * Garberoglio's AVX port of Julien Pommier's cephes-based sse_mathfun; zlib licence). Every operation is
 * rounded to float32 as the vector unit does. Release builds of torch are compiled by GCC with FMA
 * enabled, which contracts a multiply whose only use is an add into one `vfmadd`; the `fmaf` calls below
 * sit exactly where that contraction happens, which is what makes the output match torch bit for bit
 * (checked against 2,816 values torch 2.11 produced; see noise.test.ts).
 */
import { fmaf } from './float32-fma';

const f = Math.fround;

// Constants are avx_mathfun.h's, written as the nearest float64 (the C source casts them to float too).

// Reinterpret scratch for one float32 <-> uint32 conversion; never holds state between calls.
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

const MIN_NORM_POS = 2 ** -126;
const SQRTHF = f(Math.SQRT1_2);
const LOG_P = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f);
const LOG_Q1 = f(-2.1219444e-4);
const LOG_Q2 = f(0.693359375);

const MINUS_DP1 = f(-0.78515625);
const MINUS_DP2 = f(-2.4187564849853516e-4);
const MINUS_DP3 = f(-3.774894977445941e-8);
const SINCOF_P0 = f(-1.9515295891e-4);
const SINCOF_P1 = f(8.3321608736e-3);
const SINCOF_P2 = f(-1.6666654611e-1);
const COSCOF_P0 = f(2.443315711809948e-5);
const COSCOF_P1 = f(-1.388731625493765e-3);
const COSCOF_P2 = f(4.166664568298827e-2);
const FOPI = f(1.27323954473516); // 4 / pi

/**
 * Natural log of a positive float32 as `log256_ps` computes it (cephes `logf`: split off the exponent,
 * then a degree-9 polynomial in the mantissa). NaN for x <= 0, like the SIMD version.
 * @example
 * log256(0.5); // -0.6931472
 */
export function log256(input: number): number {
  if (!(input > 0)) return Number.NaN;
  F32[0] = Math.max(f(input), MIN_NORM_POS);
  const bits = U32[0]!;
  let e = f((bits >>> 23) - 0x7f + 1);
  // Keep the mantissa, force the exponent of 0.5: x in [0.5, 1).
  U32[0] = (bits & ~0x7f800000) | 0x3f000000;
  let x = F32[0]!;
  if (x < SQRTHF) {
    e = f(e - 1);
    x = f(f(x - 1) + x);
  } else {
    x = f(x - 1);
  }
  const z = f(x * x);
  let y = LOG_P[0]!;
  for (let i = 1; i < LOG_P.length; i++) y = fmaf(y, x, LOG_P[i]!);
  y = f(y * x);
  y = fmaf(y, z, f(e * LOG_Q1));
  y = f(y - f(z * 0.5));
  x = f(x + y);
  return fmaf(e, LOG_Q2, x);
}

/**
 * Sine and cosine of a float32 as `sincos256_ps` computes them (cephes `sinf`/`cosf`: reduce by
 * multiples of pi/4 in three extended-precision parts, then pick one of two polynomials per octant).
 * Accurate for |x| < 8192, which covers the [0, 2pi) angles of Box-Muller.
 * @example
 * sincos256(Math.fround(Math.PI / 6)); // [0.5, 0.8660254]
 */
export function sincos256(input: number): [sin: number, cos: number] {
  const negative = input < 0 || Object.is(input, -0);
  let x = Math.abs(f(input));
  // Octant index j rounded up to even, as cephes does (`j = (j + 1) & ~1`).
  const j = (Math.trunc(f(x * FOPI)) + 1) & ~1;
  const y = f(j);
  const flipSin = negative !== ((j & 4) !== 0);
  const flipCos = ((j - 2) & 4) === 0;
  const sinPolyForSin = (j & 2) === 0;
  x = fmaf(y, MINUS_DP1, x);
  x = fmaf(y, MINUS_DP2, x);
  x = fmaf(y, MINUS_DP3, x);
  const z = f(x * x);
  let yc = COSCOF_P0;
  yc = fmaf(yc, z, COSCOF_P1);
  yc = fmaf(yc, z, COSCOF_P2);
  yc = f(yc * z);
  yc = fmaf(yc, z, -f(z * 0.5));
  yc = f(yc + 1);
  let ys = SINCOF_P0;
  ys = fmaf(ys, z, SINCOF_P1);
  ys = fmaf(ys, z, SINCOF_P2);
  ys = f(ys * z);
  ys = fmaf(ys, x, x);
  const s = sinPolyForSin ? ys : yc;
  const c = sinPolyForSin ? yc : ys;
  return [flipSin ? -s : s, flipCos ? -c : c];
}
