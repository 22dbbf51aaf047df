/**
 * @module
 * One namespace of a graph (values or nodes). Explicit names (graph inputs, initializers named by
 * checkpoint keys) must be free; generated names get the first free `_1`, `_2`... suffix, so names
 * depend only on the order of creation and builds are reproducible.
 */
import { EngineError } from '../errors/engine-error';

/** Names taken so far in one ONNX namespace. */
export class NameRegistry {
  readonly #used = new Set<string>();
  readonly #kind: 'value' | 'node';

  constructor(kind: 'value' | 'node') {
    this.#kind = kind;
  }

  /** Take `name` exactly, or throw `duplicate_name`. */
  claim(name: string): string {
    if (name === '') throw new EngineError('invalid_name', `${this.#kind} names must be non-empty`);
    if (this.#used.has(name)) {
      throw new EngineError('duplicate_name', `${this.#kind} '${name}' is already defined in this graph`);
    }
    this.#used.add(name);
    return name;
  }

  /** Take `base`, or `base_N` with the smallest free N. */
  claimUnique(base: string): string {
    if (!this.#used.has(base)) return this.claim(base);
    let i = 1;
    while (this.#used.has(`${base}_${i}`)) i++;
    return this.claim(`${base}_${i}`);
  }
}
