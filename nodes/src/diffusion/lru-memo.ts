/**
 * @module
 * A small LRU of promised values by key: concurrent callers share one computation, failures are not
 * remembered (the next call tries again), and the oldest entries are dropped past `maxEntries`.
 */
import { EngineError } from '@momaflow/engine';

/**
 * @example
 * const graphs = new LruMemo<OnnxModel>(4);
 * const model = await graphs.get(key, () => buildGraph());
 */
export class LruMemo<T> {
  readonly #entries = new Map<string, Promise<T>>();
  readonly #max: number;

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new EngineError('invalid_option', `'maxEntries' must be a positive integer, got ${maxEntries}`);
    }
    this.#max = maxEntries;
  }

  /** The value under `key`, made by `make` on a miss. */
  get(key: string, make: () => Promise<T>): Promise<T> {
    const known = this.#entries.get(key);
    if (known !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, known);
      return known;
    }
    const pending = make();
    this.#entries.set(key, pending);
    pending.catch(() => {
      if (this.#entries.get(key) === pending) this.#entries.delete(key);
    });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#max) break;
      this.#entries.delete(oldest);
    }
    return pending;
  }

  /** Keys held, least recently used first. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }
}
