/**
 * @module
 * A seeded Brownian motion for the SDE samplers, queried at arbitrary times in any order: a virtual
 * Brownian tree (Li et al. 2020, arXiv 2001.01328, as torchsde's `BrownianTree`, which ComfyUI's
 * `BrownianTreeNoiseSampler` wraps). W(t0) = 0 and W(t1) ~ N(0, t1 - t0); every dyadic midpoint is
 * drawn from the Brownian bridge between its interval's ends with noise seeded by the seed and the
 * node's position, so a value never depends on which queries came before. A query descends to a leaf
 * narrower than `tolerance` and takes the bridge mean there. Each tensor element is its own motion.
 *
 * The same seed does not give torchsde's numbers (its tree splits numpy SeedSequences and draws with
 * torch generators), so a Brownian-noise SDE sampler does not reproduce ComfyUI's image for a seed;
 * the statistics match: increments over disjoint intervals are independent N(0, |dt|), and over
 * overlapping ones (dpmpp_sde's sub-step and step) correlated as a Brownian motion's are.
 */
import { EngineError, type Tensor } from '@momaflow/engine';
import { type Seed, TorchCpuGenerator } from './noise';
import type { NoiseSource } from './sample';
import { map1, map2 } from './tensor-math';

/** Options of `BrownianTree`. */
export interface BrownianTreeOptions {
  readonly seed: Seed;
  readonly shape: readonly number[];
  /** The interval the motion is defined on (t0 < t1). */
  readonly t0: number;
  readonly t1: number;
  /** Leaf width (torchsde's default 1e-6). */
  readonly tolerance?: number;
  /** Node values kept for the next queries (consecutive queries share most of their path). */
  readonly cacheSize?: number;
}

/** 32-bit mix (murmur3 finaliser) of a seed and a node position, for per-node generator seeds. */
function nodeSeed(seed: number, depth: number, index: number): number {
  let h = (seed ^ Math.imul(depth + 1, 0x9e3779b9)) >>> 0;
  h = (h ^ Math.imul(index, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A Brownian motion on [t0, t1], W(t0) = 0.
 * @example
 * const w = new BrownianTree({ seed: 1, shape: [1, 4, 8, 8], t0: 0.03, t1: 14.6 });
 * const dw = w.increment(14.6, 7.0); // W(7.0) - W(14.6), variance 7.6 per element
 */
export class BrownianTree {
  readonly #seed: number;
  readonly #shape: readonly number[];
  readonly #t0: number;
  readonly #t1: number;
  readonly #tolerance: number;
  readonly #cacheSize: number;
  /** Node values by `depth:index`, in least-recently-used order. */
  readonly #cache = new Map<string, Tensor>();
  readonly #end: Tensor;

  constructor(o: BrownianTreeOptions) {
    if (!(o.t0 < o.t1)) {
      throw new EngineError('invalid_interval', `BrownianTree needs t0 < t1, got [${o.t0}, ${o.t1}]`);
    }
    this.#seed = Number(BigInt.asUintN(32, BigInt(o.seed)));
    this.#shape = o.shape;
    this.#t0 = o.t0;
    this.#t1 = o.t1;
    this.#tolerance = o.tolerance ?? 1e-6;
    this.#cacheSize = o.cacheSize ?? 64;
    const scale = Math.sqrt(o.t1 - o.t0);
    this.#end = map1(this.#normal(0, 0), (z) => z * scale);
  }

  /** W(tb) - W(ta), for ta and tb in [t0, t1], in either order. */
  increment(ta: number, tb: number): Tensor {
    return map2(this.value(tb), this.value(ta), (b, a) => b - a);
  }

  /** W(t). */
  value(t: number): Tensor {
    if (!(t >= this.#t0 && t <= this.#t1)) {
      throw new EngineError(
        'invalid_interval',
        `BrownianTree query ${t} is outside [${this.#t0}, ${this.#t1}]`,
      );
    }
    let a = this.#t0;
    let b = this.#t1;
    let wa: Tensor | null = null;
    let wb: Tensor = this.#end;
    let depth = 0;
    let index = 0;
    while (b - a > this.#tolerance) {
      const mid = (a + b) / 2;
      const wm = this.#midpoint(depth, index, b - a, wa, wb);
      if (t === mid) return wm;
      if (t < mid) {
        b = mid;
        wb = wm;
        index *= 2;
      } else {
        a = mid;
        wa = wm;
        index = index * 2 + 1;
      }
      depth++;
    }
    // Inside a leaf: the bridge mean, linear between its ends.
    const w = (t - a) / (b - a);
    return wa === null ? map1(wb, (v) => v * w) : map2(wa, wb, (va, vb) => va + (vb - va) * w);
  }

  /** The midpoint of node (depth, index): (W(a) + W(b)) / 2 + sqrt(width / 4) Z. */
  #midpoint(depth: number, index: number, width: number, wa: Tensor | null, wb: Tensor): Tensor {
    const key = `${depth}:${index}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached;
    }
    const std = Math.sqrt(width / 4);
    const z = this.#normal(depth + 1, index);
    const mean = wa === null ? map1(wb, (v) => v / 2) : map2(wa, wb, (x, y) => (x + y) / 2);
    const value = map2(mean, z, (m, n) => m + std * n);
    this.#cache.set(key, value);
    if (this.#cache.size > this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value!);
    return value;
  }

  #normal(depth: number, index: number): Tensor {
    return new TorchCpuGenerator(nodeSeed(this.#seed, depth, index)).randn(this.#shape);
  }
}

/** Options of `brownianNoiseSource`. */
export interface BrownianNoiseOptions {
  readonly seed: Seed;
  /** The run's levels: the tree spans their smallest positive value to their largest, as ComfyUI's. */
  readonly levels: readonly number[];
}

/**
 * ComfyUI's `BrownianTreeNoiseSampler` for a run: noise for (sigma, sigma_next) is
 * (W(sigma_next) - W(sigma)) / sqrt|sigma_next - sigma|, standard normal per element.
 * @example
 * const noiseSource = brownianNoiseSource({ seed, levels: sigmas });
 */
export function brownianNoiseSource(o: BrownianNoiseOptions): NoiseSource {
  const positive = o.levels.filter((l) => l > 0);
  const t0 = Math.min(...positive);
  const t1 = Math.max(...positive);
  let tree: BrownianTree | undefined;
  return ({ shape, level, nextLevel }) => {
    tree ??= new BrownianTree({ seed: o.seed, shape, t0, t1: t1 > t0 ? t1 : t0 * (1 + 1e-6) });
    const scale = 1 / Math.sqrt(Math.abs(nextLevel - level));
    return map1(tree.increment(level, nextLevel), (d) => d * scale);
  };
}
