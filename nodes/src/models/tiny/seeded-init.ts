/**
 * @module
 * Deterministic random weights: each tensor gets its own generator seeded from (seed, key), so a
 * tensor's values depend on nothing but its name, shape and the seed, and the same command writes the
 * same bytes on any machine. Only integer arithmetic and `Math.sqrt` (correctly rounded by IEEE 754)
 * are used; transcendental functions may differ in the last bit between platforms.
 */
import { Tensor } from '@momaflow/engine';

/** FNV-1a of the UTF-16 code units: a stable 32-bit seed from a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: uniform values in [-1, 1) from a 32-bit state. */
function uniformStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
  };
}

/** The uniform bound giving standard deviation `std` (a uniform on [-b, b] has std b / sqrt(3)). */
const boundForStd = (std: number) => std * Math.sqrt(3);

/**
 * Standard deviation of the initial values, by the tensor's role: norm scales 1, embeddings as CLIP
 * initialises them (0.02, 0.01), biases small, and conv / linear weights 1 / sqrt(3 fan_in) (torch's
 * default `kaiming_uniform_(a=sqrt(5))`), which keeps activations at unit scale through the blocks.
 */
function initialStd(key: string, shape: readonly number[]): number | 'ones' {
  if (key.endsWith('token_embedding.weight')) return 0.02;
  if (key.endsWith('position_embedding.weight')) return 0.01;
  if (shape.length === 1) return key.endsWith('.weight') ? 'ones' : 0.02;
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return 1 / Math.sqrt(3 * fanIn);
}

/**
 * The initial value of one weight tensor.
 * @example
 * seededWeight({ seed: 1, key: 'out.2.weight', shape: [4, 32, 3, 3] }).data[0]; // the same on every run
 */
export function seededWeight(o: {
  readonly seed: number;
  readonly key: string;
  readonly shape: readonly number[];
}): Tensor<'float32'> {
  const std = initialStd(o.key, o.shape);
  if (std === 'ones') return Tensor.filled(o.shape, 1);
  const t = Tensor.zeros('float32', o.shape);
  const next = uniformStream(fnv1a(`${o.seed}/${o.key}`));
  const bound = boundForStd(std);
  for (let i = 0; i < t.size; i++) t.data[i] = next() * bound;
  return t;
}
