/**
 * @module
 * IEEE 754 binary16 ("half") and bfloat16 conversions. Halves travel as their raw bits in a `Uint16Array`
 * (as onnxruntime's `float16` tensors do), so nothing here depends on `Float16Array`, which Node 20 lacks.
 * float32 -> float16 rounds to nearest, ties to even, like numpy's `astype(float16)` and torch's `.half()`.
 */

const SCRATCH_F32 = new Float32Array(1);
const SCRATCH_U32 = new Uint32Array(SCRATCH_F32.buffer);

/** Bits of the half nearest to the float32 whose bits are `x` (round to nearest, ties to even). */
function halfBitsFromFloatBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Keep NaN a NaN: set the quiet bit so a payload living only in the low 13 bits cannot turn into Inf.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): value = m * 2^-24 with m = full >> (14 - e).
    if (e < -10) return sign; // below half of the smallest subnormal: rounds to zero
    const full = mant | 0x800000;
    const shift = 14 - e;
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1) === 1)) m += 1; // m may reach 0x400: the smallest normal, correctly
    return sign | m;
  }
  let bits = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (bits & 1) === 1)) bits += 1; // a carry may reach 0x7c00 = Inf, correctly
  return sign | bits;
}

/** Bits of the float32 equal to the half whose bits are `h` (exact: every half is a float32). */
function floatBitsFromHalfBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half: normalise the mantissa into a float32 normal.
  let m = mant;
  let e = 113;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e -= 1;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/** All 65536 halves widened once: decoding a tensor is then one table lookup per element. */
const HALF_TO_FLOAT = (() => {
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) bits[h] = floatBitsFromHalfBits(h);
  return new Float32Array(bits.buffer);
})();

/**
 * The half-precision bits nearest to a number (the number is first rounded to float32, as torch does).
 * @example
 * float32ToFloat16Bits(1) // 0x3c00
 */
export function float32ToFloat16Bits(value: number): number {
  SCRATCH_F32[0] = value;
  return halfBitsFromFloatBits(SCRATCH_U32[0]!);
}

/**
 * The value of a half given as its 16 raw bits.
 * @example
 * float16BitsToFloat32(0x3555) // 0.333251953125
 */
export function float16BitsToFloat32(bits: number): number {
  return HALF_TO_FLOAT[bits & 0xffff]!;
}

/**
 * Rounds a float32 array to halves (raw bits).
 * @example
 * const half = float32ToFloat16Array(new Float32Array([0.1, 65520])); // [0x2e66, 0x7c00 (Inf)]
 */
export function float32ToFloat16Array(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  // A copy guarantees 4-byte alignment of the view whatever `src.byteOffset` is.
  const bits = new Uint32Array(Float32Array.from(src).buffer);
  for (let i = 0; i < bits.length; i++) out[i] = halfBitsFromFloatBits(bits[i]!);
  return out;
}

/**
 * Widens halves (raw bits) to float32, exactly.
 * @example
 * float16ToFloat32Array(new Uint16Array([0x3c00, 0xc000])) // Float32Array [1, -2]
 */
export function float16ToFloat32Array(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = HALF_TO_FLOAT[src[i]!]!;
  return out;
}

/**
 * Narrows float32 values to bfloat16 (raw bits) with round-to-nearest-even, as torch's
 * `.to(torch.bfloat16)` does; NaNs stay NaN.
 * @example
 * float32ToBfloat16Array(Float32Array.of(1, 1.00390625)) // Uint16Array [0x3f80, 0x3f80] (a tie, to even)
 */
export function float32ToBfloat16Array(src: ArrayLike<number>): Uint16Array {
  const bits = new Uint32Array(Float32Array.from(src).buffer);
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7fffffff) > 0x7f800000) out[i] = (b >>> 16) | 0x0040;
    else out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/**
 * Widens bfloat16 values (raw bits, the top half of a float32) to float32, exactly.
 * @example
 * bfloat16ToFloat32Array(new Uint16Array([0x3f80])) // Float32Array [1]
 */
export function bfloat16ToFloat32Array(src: Uint16Array): Float32Array {
  const bits = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return new Float32Array(bits.buffer);
}
