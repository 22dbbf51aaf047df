/**
 * @module
 * An LRU cache of onnxruntime sessions keyed by model content. Sessions hold the weights in native
 * memory, so the cache bounds how many stay open and how many bytes they hold (`maxBytes`, sized by
 * `estimateSessionBytes`), and releases the least recently used ones. A leased session is never
 * released under its user: eviction and `unload` wait until the lease is handed back.
 * The sessions live in the cache's worker thread (`WorkerSessions`), so runs leave the event loop free.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EngineError, errorMessage } from '../errors/engine-error';
import { type OnnxLogger, SILENT_ONNX_LOGGER } from './onnx-logger';
import { OptimizedModelStore } from './optimized-model-store';
import {
  type ExecutionProviderName,
  type OnnxModelSource,
  type OnnxSessionOptions,
  type ResolvedOnnxSessionOptions,
  resolveSessionOptions,
  sessionKey,
  sourceHash,
} from './session-options';
import { estimateSessionBytes } from './session-size';
import { type OnnxSession, WorkerSessions } from './worker-sessions';
import { writeModel } from './write-model';

/** Options of `SessionCache.create`. */
export interface SessionCacheOptions {
  /** Sessions kept open at most (leased ones may exceed it until handed back). Default 4. */
  readonly maxEntries?: number;
  readonly logger?: OnnxLogger;
  /** Directory for models with external data, written to `<cacheDir>/<hash>/` before loading by path. */
  readonly cacheDir?: string;
  /** Defaults for every `acquire`. */
  readonly defaults?: OnnxSessionOptions;
  /**
   * RAM budget of the open sessions in bytes (default unbounded). Before a session is created, the
   * least recently used sessions nobody holds are closed until the open ones plus the new one fit;
   * held sessions stay open, so a session larger than the budget still opens, alone. Only creating
   * a session closes others: handing one back never does, so a workflow's next node finds it open.
   * A server keeps sessions for its next prompt within it (`resolveSessionRam`); `0` closes every
   * idle session first, so a process that runs one prompt (`momaflow run`) never holds the UNet's
   * gigabytes next to the VAE decoder's.
   */
  readonly maxBytes?: number;
  /**
   * Where onnxruntime-optimised copies of CPU models are kept (`OptimizedModelStore`): the first
   * session of a model writes one, later ones (in any process) load it without optimising again.
   */
  readonly optimizedDir?: string;
}

/** A session handed out by the cache; call `release()` when done running it. */
export interface SessionLease {
  readonly key: string;
  readonly session: OnnxSession;
  /** The provider the session actually runs on (`cpu` after a WebGPU fallback). */
  readonly executionProvider: ExecutionProviderName;
  /** Hand the session back to the cache. Idempotent. */
  release(): void;
}

/** Where a session's model came from: the source, the source while writing the optimised copy, or that copy. */
type LoadedFrom = 'source' | 'source, optimized copy written' | 'optimized copy';

interface Loaded {
  readonly session: OnnxSession;
  readonly executionProvider: ExecutionProviderName;
  readonly from: LoadedFrom;
}

interface Entry {
  readonly key: string;
  readonly loading: Promise<Loaded>;
  loaded: Loaded | undefined;
  /** `estimateSessionBytes` of the source; 0 until estimated. */
  bytes: number;
  leases: number;
  /** Unloaded while leased: release the session when the last lease is handed back. */
  doomed: boolean;
}

type CacheStatus = 'open' | 'disposed';

function isWebGpuBundled(): boolean {
  return ort.listSupportedBackends().some((b) => b.name === 'webgpu' && b.bundled);
}

/**
 * @example
 * const cache = SessionCache.create({ maxEntries: 2, logger });
 * const lease = await cache.acquire({ model }, { executionProvider: 'webgpu' });
 * try {
 *   const out = await lease.session.run({ x: toOrtTensor(x) });
 * } finally {
 *   lease.release();
 * }
 */
export class SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #log: OnnxLogger;
  readonly #cacheDir: string | undefined;
  readonly #defaults: OnnxSessionOptions | undefined;
  readonly #host: WorkerSessions;
  readonly #optimized: OptimizedModelStore | undefined;
  readonly #maxBytes: number;
  #status: CacheStatus = 'open';

  private constructor(o: SessionCacheOptions, max: number, maxBytes: number) {
    this.#max = max;
    this.#maxBytes = maxBytes;
    this.#log = o.logger ?? SILENT_ONNX_LOGGER;
    this.#cacheDir = o.cacheDir;
    this.#defaults = o.defaults;
    this.#optimized = o.optimizedDir === undefined ? undefined : OptimizedModelStore.create(o.optimizedDir);
    this.#host = WorkerSessions.create({
      onLost: (reason) => {
        // Every session died with the worker: forget them, the next acquire loads afresh.
        this.#log.warn('onnx sessions lost', { reason, sessions: this.#entries.size });
        this.#entries.clear();
      },
    });
  }

  static create(options: SessionCacheOptions = {}): SessionCache {
    const max = options.maxEntries ?? 4;
    if (!Number.isInteger(max) || max < 1) {
      throw new EngineError('invalid_option', `'maxEntries' must be a positive integer, got ${max}`);
    }
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (Number.isNaN(maxBytes) || maxBytes < 0) {
      throw new EngineError('invalid_option', `'maxBytes' must be 0 or more, got ${maxBytes}`);
    }
    return new SessionCache(options, max, maxBytes);
  }

  /** Open sessions, least recently used first. */
  keys(): string[] {
    return [...this.#entries.keys()];
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Estimated bytes of the open sessions (and those being created). */
  get bytes(): number {
    let sum = 0;
    for (const entry of this.#entries.values()) sum += entry.bytes;
    return sum;
  }

  /** The key `acquire` would use for this source and options. */
  async keyOf(source: OnnxModelSource, options?: OnnxSessionOptions): Promise<string> {
    return sessionKey(await sourceHash(source), resolveSessionOptions(this.#defaults, options));
  }

  /** Whether a session for `source` with `options` is open or being created (no session is made). */
  async has(source: OnnxModelSource, options?: OnnxSessionOptions): Promise<boolean> {
    return this.#entries.has(await this.keyOf(source, options));
  }

  /** Get the cached session for `source` or create it; the lease keeps it open until released. */
  async acquire(source: OnnxModelSource, options?: OnnxSessionOptions): Promise<SessionLease> {
    this.#assertOpen();
    const resolved = resolveSessionOptions(this.#defaults, options);
    const hash = await sourceHash(source);
    const key = sessionKey(hash, resolved);
    this.#assertOpen();
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const created: Entry = {
        key,
        loading: estimateSessionBytes(source)
          .then((bytes) => {
            created.bytes = bytes;
            return this.#makeRoom(created);
          })
          .then(() => this.#load(source, hash, resolved, created.bytes)),
        loaded: undefined,
        bytes: 0,
        leases: 0,
        doomed: false,
      };
      entry = created;
      created.loading.then(
        (l) => {
          created.loaded = l;
        },
        () => {
          if (this.#entries.get(key) === created) this.#entries.delete(key);
        },
      );
    } else {
      this.#entries.delete(key); // re-inserted below: Map order is the LRU order
    }
    this.#entries.set(key, entry);
    entry.leases++;
    let loaded: Loaded;
    try {
      loaded = await entry.loading;
    } catch (err) {
      entry.leases--;
      throw err;
    }
    entry.loaded = loaded;
    this.#evict();
    return this.#lease(entry, loaded);
  }

  /** Close the session under `key` (after its leases are handed back). False when not cached. */
  async unload(key: string): Promise<boolean> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    if (entry.leases > 0) {
      entry.doomed = true;
      return true;
    }
    await this.#close(entry);
    return true;
  }

  /** Close every session, leased or not; the cache accepts no more `acquire`s. */
  async dispose(): Promise<void> {
    this.#status = 'disposed';
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all(entries.map((e) => this.#close(e)));
    await this.#host.dispose();
  }

  #assertOpen(): void {
    if (this.#status === 'disposed')
      throw new EngineError('cache_disposed', 'the session cache was disposed');
  }

  #lease(entry: Entry, loaded: Loaded): SessionLease {
    let held = true;
    return {
      key: entry.key,
      session: loaded.session,
      executionProvider: loaded.executionProvider,
      release: () => {
        if (!held) return;
        held = false;
        entry.leases--;
        if (entry.doomed && entry.leases === 0) void this.#close(entry);
        else this.#evict();
      },
    };
  }

  /**
   * Close loaded sessions without leases, least recently used first, until the others and `entry`
   * fit in `maxBytes` (or none is left to close); resolves when their memory is released.
   */
  async #makeRoom(entry: Entry): Promise<void> {
    let held = this.bytes + (this.#entries.get(entry.key) === entry ? 0 : entry.bytes);
    const closing: Entry[] = [];
    for (const other of this.#entries.values()) {
      if (held <= this.#maxBytes) break;
      if (other === entry || other.leases > 0 || other.loaded === undefined) continue;
      closing.push(other);
      held -= other.bytes;
    }
    if (closing.length === 0) return;
    for (const other of closing) this.#entries.delete(other.key);
    this.#log.debug('closing idle onnx sessions', {
      keys: closing.map((e) => e.key),
      bytes: closing.reduce((n, e) => n + e.bytes, 0),
      forBytes: entry.bytes,
      maxBytes: this.#maxBytes,
    });
    await Promise.all(closing.map((e) => this.#close(e)));
  }

  #evict(): void {
    for (const entry of this.#entries.values()) {
      if (this.#entries.size <= this.#max) return;
      if (entry.leases > 0 || entry.loaded === undefined) continue;
      this.#entries.delete(entry.key);
      this.#log.debug('evicting onnx session', { key: entry.key });
      void this.#close(entry);
    }
  }

  async #close(entry: Entry): Promise<void> {
    try {
      const loaded = await entry.loading;
      await loaded.session.release();
    } catch (err) {
      // A session that failed to load has nothing to release; a failed release only leaks native memory.
      this.#log.debug('onnx session release skipped', { key: entry.key, error: errorMessage(err) });
    }
  }

  async #load(
    source: OnnxModelSource,
    hash: string,
    o: ResolvedOnnxSessionOptions,
    bytes: number,
  ): Promise<Loaded> {
    const started = performance.now();
    const loaded = await this.#loadOn(source, hash, o);
    // One line per session created, with the options it got: how tests count creations and see threads.
    this.#log.debug('onnx session created', {
      key: sessionKey(hash, o),
      executionProvider: loaded.executionProvider,
      intraOpNumThreads: o.intraOpNumThreads,
      from: loaded.from,
      bytes,
      seconds: Math.round(performance.now() - started) / 1000,
    });
    return loaded;
  }

  async #loadOn(source: OnnxModelSource, hash: string, o: ResolvedOnnxSessionOptions): Promise<Loaded> {
    const target = await this.#target(source, hash);
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: o.graphOptimizationLevel,
      // onnxruntime prints warnings to stderr itself; the engine reports through its logger only.
      logSeverityLevel: 3,
      intraOpNumThreads: o.intraOpNumThreads,
      enableMemPattern: o.memPattern,
    };
    if (o.executionProvider === 'webgpu') {
      if (isWebGpuBundled()) {
        try {
          const session = await this.#create(target, { ...base, executionProviders: ['webgpu'] });
          return { session, executionProvider: 'webgpu', from: 'source' };
        } catch (err) {
          this.#log.warn('WebGPU session failed; falling back to CPU', { hash, error: errorMessage(err) });
        }
      } else {
        this.#log.warn('this onnxruntime-node build has no WebGPU provider; using CPU', { hash });
      }
    }
    return this.#createCpu(target, hash, o, { ...base, executionProviders: ['cpu'] });
  }

  /** A CPU session, through the optimised copy when the cache keeps them. */
  async #createCpu(
    target: Uint8Array | string,
    hash: string,
    o: ResolvedOnnxSessionOptions,
    base: ort.InferenceSession.SessionOptions,
  ): Promise<Loaded> {
    const store = this.#optimized;
    const plain = async (): Promise<Loaded> => ({
      session: await this.#create(target, base),
      executionProvider: 'cpu',
      from: 'source',
    });
    if (store === undefined || o.graphOptimizationLevel === 'disabled') return plain();
    const copy = await store.find(hash, o);
    if (copy !== undefined) {
      try {
        // Already optimised: optimising again would only cost time.
        const session = await this.#create(copy, { ...base, graphOptimizationLevel: 'disabled' });
        return { session, executionProvider: 'cpu', from: 'optimized copy' };
      } catch (err) {
        this.#log.warn('the optimized copy of a model does not load; writing it again', {
          hash,
          path: copy,
          error: errorMessage(err),
        });
        await store.forget(hash, o);
      }
    }
    const pending = await store.prepare(hash, o);
    try {
      const session = await this.#create(target, { ...base, ...pending.options });
      await pending.commit();
      return { session, executionProvider: 'cpu', from: 'source, optimized copy written' };
    } catch (err) {
      // The copy is only a faster way in: a failure to write it must not fail the session.
      await pending.discard();
      this.#log.debug('writing the optimized copy failed; loading without it', {
        hash,
        error: errorMessage(err),
      });
      return plain();
    }
  }

  async #target(source: OnnxModelSource, hash: string): Promise<Uint8Array | string> {
    if ('bytes' in source) return source.bytes;
    if ('path' in source) return source.path;
    if (source.model.isSelfContained) return source.model.bytes;
    if (this.#cacheDir === undefined) {
      throw new EngineError(
        'external_data_needs_dir',
        `model ${hash} keeps weights in external data; create the SessionCache with 'cacheDir' to load it`,
      );
    }
    const { modelPath } = await writeModel(source.model, join(this.#cacheDir, hash), { skipIfExists: true });
    return modelPath;
  }

  async #create(
    target: Uint8Array | string,
    options: ort.InferenceSession.SessionOptions,
  ): Promise<OnnxSession> {
    try {
      return await this.#host.createSession(target, options);
    } catch (err) {
      const what = typeof target === 'string' ? `'${target}'` : `a ${target.byteLength}-byte model`;
      throw new EngineError(
        'session_create_failed',
        `onnxruntime cannot load ${what}: ${errorMessage(err)}`,
        {},
        { cause: err },
      );
    }
  }
}
