/**
 * @module
 * A key-prefix view of a `WeightMap`, so a block reads `conv1.weight` inside `mid_block.resnets.0`
 * the same way the ONNX builder scopes its initializer names. A scope made with a `LowRankInputs` also
 * hands out the low-rank deltas of the weights it names.
 */
import type { OnnxBuilder, Tensor } from '@momaflow/engine';
import type { LowRankBinder, LowRankInputs } from './low-rank-delta';
import type { WeightMap } from './weight-map';

/**
 * @example
 * const w = new WeightScope(weights).at('decoder', 'mid_block', 'resnets', 0);
 * const conv1 = w.take('conv1.weight', [512, 512, 3, 3]); // key 'decoder.mid_block.resnets.0.conv1.weight'
 */
export class WeightScope {
  readonly map: WeightMap;
  /** Dotted prefix without trailing dot; `''` at the root. */
  readonly prefix: string;
  readonly #lowRank: LowRankInputs | undefined;

  constructor(map: WeightMap, prefix = '', lowRank?: LowRankInputs) {
    this.map = map;
    this.prefix = prefix;
    this.#lowRank = lowRank;
  }

  /** Full key of `local` under this scope. */
  key(local: string): string {
    return this.prefix === '' ? local : `${this.prefix}.${local}`;
  }

  /** A narrower scope. */
  at(...parts: readonly (string | number)[]): WeightScope {
    return new WeightScope(
      this.map,
      parts.reduce<string>((p, part) => (p === '' ? String(part) : `${p}.${part}`), this.prefix),
      this.#lowRank,
    );
  }

  /** The binder of `local`'s low-rank deltas, or `undefined` when it has none (or the build takes none). */
  lowRankOf(local: string): LowRankBinder | undefined {
    const lowRank = this.#lowRank;
    const key = this.key(local);
    if (lowRank === undefined || !this.map.deltas().has(key)) return undefined;
    return () => lowRank.bind(key);
  }

  has(local: string): boolean {
    return this.map.has(this.key(local));
  }

  /** The tensor under `local`, shape-checked (see `WeightMap.take`). */
  take(local: string, shape: readonly number[]): Tensor<'float32'> {
    return this.map.take(this.key(local), shape);
  }
}

/**
 * Run `fn` with the builder and the weights both scoped to `path`, so initializer names and weight
 * keys stay the same checkpoint key (`mid_block.resnets.0.conv1.weight`).
 * @example
 * const h = inScope(b, w, ['mid_block', 'resnets', 0], (rw) => resnet(b, rw, x));
 */
export function inScope<T>(
  b: OnnxBuilder,
  w: WeightScope,
  path: readonly (string | number)[],
  fn: (w: WeightScope) => T,
): T {
  const [head, ...rest] = path;
  if (head === undefined) return fn(w);
  return b.scope(head, () => inScope(b, w.at(head), rest, fn));
}
