/**
 * @module
 * Compiled UNet graphs, cached by content: (builder version, weight source id, config, patch ids and
 * signatures, graph options). With a cache directory, each graph is written once as
 * `unet-<key>/model.onnx` (+ external data) with an `io.json` beside it, and reused across processes
 * without reading the weights again; the in-memory entries then hold only paths, so gigabytes of
 * initializers are garbage as soon as the file is written.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OnnxModelSource } from '@momaflow/engine';
import { EngineError, writeModel } from '@momaflow/engine';
import { z } from 'zod';
import { buildUnetGraph, type UnetGraphIo, type UnetGraphOptions } from './unet-graph';
import type { UnetModel } from './unet-model';

/** Bump when the builder emits a different graph for the same inputs (invalidates disk caches). */
export const UNET_BUILDER_VERSION = 'unet-graph/1';

/** A graph ready for `SessionCache.acquire(source)`. */
export interface CompiledUnet {
  readonly key: string;
  readonly source: OnnxModelSource;
  readonly io: UnetGraphIo;
  /** The MODEL it was compiled from (its patches feed the per-step inputs). */
  readonly model: UnetModel;
  readonly options: Required<UnetGraphOptions>;
}

/** Options of `UnetGraphCache.create`. */
export interface UnetGraphCacheOptions {
  /** Where compiled graphs are written and found again; required for graphs over 2 GB (full-size SD). */
  readonly cacheDir?: string;
  /** Compiled graphs remembered in memory. Default 4. */
  readonly maxEntries?: number;
}

const zDim = z.union([z.number().int().nonnegative(), z.string()]);
const zIo = z.object({
  downResiduals: z.array(z.string()),
  midResidual: z.string().optional(),
  patchInputs: z.array(
    z.object({
      patchId: z.string(),
      key: z.string(),
      graphName: z.string(),
      dtype: z.enum(['float32', 'float16', 'int32', 'int64', 'uint8', 'bool']),
      shape: z.array(zDim),
    }),
  ),
  patchOutputs: z.array(z.object({ patchId: z.string(), key: z.string(), graphName: z.string() })),
});

function resolveOptions(o: UnetGraphOptions | undefined): Required<UnetGraphOptions> {
  return {
    controlResiduals: o?.controlResiduals ?? false,
    attention: o?.attention ?? 'fused',
    opset: o?.opset ?? 17,
  };
}

async function readIo(path: string): Promise<UnetGraphIo | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const parsed = zIo.safeParse(JSON.parse(text));
  // A damaged io.json is rebuilt rather than trusted.
  return parsed.success ? { ...parsed.data, midResidual: parsed.data.midResidual } : undefined;
}

/**
 * @example
 * const graphs = UnetGraphCache.create({ cacheDir: 'temp/graphs' });
 * const compiled = await graphs.compile(withPatch(model, patch), { controlResiduals: true });
 * const lease = await sessions.acquire(compiled.source);
 */
export class UnetGraphCache {
  readonly #dir: string | undefined;
  readonly #max: number;
  readonly #entries = new Map<string, Promise<CompiledUnet>>();

  private constructor(dir: string | undefined, max: number) {
    this.#dir = dir;
    this.#max = max;
  }

  static create(options: UnetGraphCacheOptions = {}): UnetGraphCache {
    const max = options.maxEntries ?? 4;
    if (!Number.isInteger(max) || max < 1) {
      throw new EngineError('invalid_option', `'maxEntries' must be a positive integer, got ${max}`);
    }
    return new UnetGraphCache(options.cacheDir, max);
  }

  /** The cache key of `model` compiled with `options`. */
  keyOf(model: UnetModel, options?: UnetGraphOptions): string {
    const content = {
      builder: UNET_BUILDER_VERSION,
      weights: model.weights.id,
      config: model.config,
      patches: model.patches.map((p) => [p.id, p.signature]),
      options: resolveOptions(options),
    };
    return createHash('sha256').update(JSON.stringify(content)).digest('hex');
  }

  /** The compiled graph of `model` with `options`, building it on a miss. */
  compile(model: UnetModel, options?: UnetGraphOptions): Promise<CompiledUnet> {
    const key = this.keyOf(model, options);
    const known = this.#entries.get(key);
    if (known !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, known);
      return known;
    }
    const pending = this.#compile(key, model, resolveOptions(options));
    this.#entries.set(key, pending);
    pending.catch(() => {
      if (this.#entries.get(key) === pending) this.#entries.delete(key);
    });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    return pending;
  }

  async #compile(key: string, model: UnetModel, options: Required<UnetGraphOptions>): Promise<CompiledUnet> {
    const dir = this.#dir === undefined ? undefined : join(this.#dir, `unet-${key}`);
    if (dir !== undefined) {
      const io = await readIo(join(dir, 'io.json'));
      if (io !== undefined)
        return { key, source: { path: join(dir, 'model.onnx'), hash: key }, io, model, options };
    }
    const built = buildUnetGraph({
      layout: model.layout,
      weights: await model.weights.load(),
      patches: model.patches,
      options,
    });
    if (dir === undefined) {
      if (!built.model.isSelfContained) {
        throw new EngineError(
          'external_data_needs_dir',
          `the UNet graph of ${model.weights.origin} is over 2 GB; create the UnetGraphCache with 'cacheDir'`,
        );
      }
      return { key, source: { bytes: built.model.bytes, hash: key }, io: built.io, model, options };
    }
    const { modelPath } = await writeModel(built.model, dir);
    const tmp = join(dir, `io.json.tmp-${randomUUID()}`);
    await writeFile(tmp, JSON.stringify(built.io));
    await rename(tmp, join(dir, 'io.json'));
    return { key, source: { path: modelPath, hash: key }, io: built.io, model, options };
  }
}
