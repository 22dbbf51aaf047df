/**
 * @module
 * How close two outputs are in direction: what quantization tests and benchmarks report.
 */

/**
 * cos(a, b) = a·b / (|a| |b|), in float64.
 * @example
 * cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(1, 1)); // 0.7071
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}
