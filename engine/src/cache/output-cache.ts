/**
 * @module
 * The executor's output cache: content-addressed (keyed by node signature), bounded in entries and in
 * estimated bytes, least recently used first out.
 */
import type { UiOutput } from '../node-api/node-definition';

export interface CacheEntry {
  readonly outputs: readonly unknown[];
  readonly ui: UiOutput | undefined;
  readonly bytes: number;
}

export interface CacheStats {
  readonly entries: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
}

export interface OutputCache {
  get(signature: string): CacheEntry | undefined;
  /** Whether an entry exists, without counting a hit or refreshing its recency. */
  has(signature: string): boolean;
  set(signature: string, entry: CacheEntry): void;
  delete(signature: string): void;
  clear(): void;
  stats(): CacheStats;
}

export interface LruLimits {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * @example
 * const cache = new LruOutputCache({ maxEntries: 1000, maxBytes: 4 * 2 ** 30 });
 */
export class LruOutputCache implements OutputCache {
  readonly #limits: LruLimits;
  // A Map iterates in insertion order; re-inserting on access keeps the least recently used first.
  readonly #entries = new Map<string, CacheEntry>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(limits: LruLimits) {
    this.#limits = limits;
  }

  get(signature: string): CacheEntry | undefined {
    const entry = this.#entries.get(signature);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(signature);
    this.#entries.set(signature, entry);
    return entry;
  }

  has(signature: string): boolean {
    return this.#entries.has(signature);
  }

  set(signature: string, entry: CacheEntry): void {
    this.delete(signature);
    if (entry.bytes > this.#limits.maxBytes || this.#limits.maxEntries <= 0) return;
    this.#entries.set(signature, entry);
    this.#bytes += entry.bytes;
    for (const [key, old] of this.#entries) {
      if (this.#entries.size <= this.#limits.maxEntries && this.#bytes <= this.#limits.maxBytes) break;
      this.#entries.delete(key);
      this.#bytes -= old.bytes;
      this.#evictions++;
    }
  }

  delete(signature: string): void {
    const entry = this.#entries.get(signature);
    if (!entry) return;
    this.#entries.delete(signature);
    this.#bytes -= entry.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  stats(): CacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
    };
  }
}
