/**
 * @module
 * Compiled UNet graphs, cached by content: (builder version, weight source id, config, patch ids,
 * signatures and weights' content hashes, graph options). With a cache directory, each graph is written once as
 * `unet-<key>/model.onnx` (+ external data) with an `io.json` beside it, and reused across processes
 * without reading the weights again; the in-memory entries then hold only paths, so gigabytes of
 * initializers are garbage as soon as the file is written.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OnnxModelSource, Tensor } from '@momaflow/engine';
import { collectExposedGarbage, EngineError, tensorsDigest, writeModel } from '@momaflow/engine';
import { z } from 'zod';
import type { ModelPatch } from './model-patch';
import { buildUnetGraph, DEFAULT_UNET_OPSET, type UnetGraphIo, type UnetGraphOptions } from './unet-graph';
import type { UnetModel } from './unet-model';

/** Bump when the builder emits a different graph for the same inputs (invalidates disk caches). */
export const UNET_BUILDER_VERSION = 'unet-graph/3';

/** A graph ready for `SessionCache.acquire(source)`. */
export interface CompiledUnet {
  readonly key: string;
  readonly source: OnnxModelSource;
  readonly io: UnetGraphIo;
  readonly options: Required<UnetGraphOptions>;
}

/** Options of `UnetGraphCache.create`. */
export interface UnetGraphCacheOptions {
  /** Where compiled graphs are written and found again; required for graphs over 2 GB (full-size SD). */
  readonly cacheDir?: string;
  /** Compiled graphs remembered in memory. Default 4. */
  readonly maxEntries?: number;
  /**
   * Called after a graph was built and written, when its gigabytes of weights have become garbage,
   * so they are returned before a session loads the graph (V8 frees large ArrayBuffers only when it
   * collects, and nothing else allocates in between). Default: `gc()` when node runs with
   * `--expose-gc`, else nothing.
   */
  readonly reclaim?: () => Promise<void> | void;
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
      per: z.enum(['run', 'step']),
    }),
  ),
  patchOutputs: z.array(
    z.object({
      patchId: z.string(),
      key: z.string(),
      graphName: z.string(),
      pass: z.enum(['reference', 'sample']),
    }),
  ),
  // Entries written before weight patches existed have none.
  weightInputs: z.array(z.string()).default([]),
});

/** Content hashes of patches' weights, computed once per weights map. */
const WEIGHT_DIGESTS = new WeakMap<ReadonlyMap<string, Tensor<'float32'>>, string>();

/** sha256 over a patch's weights (names, shapes and bytes), so a changed adapter file changes the key. */
function weightsDigest(patch: ModelPatch): string {
  const weights = patch.weights;
  if (weights === undefined || weights.size === 0) return '';
  const known = WEIGHT_DIGESTS.get(weights);
  if (known !== undefined) return known;
  const digest = tensorsDigest([...weights].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  WEIGHT_DIGESTS.set(weights, digest);
  return digest;
}

function resolveOptions(o: UnetGraphOptions | undefined): Required<UnetGraphOptions> {
  return {
    controlResiduals: o?.controlResiduals ?? false,
    attention: o?.attention ?? 'fused',
    opset: o?.opset ?? DEFAULT_UNET_OPSET,
    conv3x3: o?.conv3x3 ?? 'auto',
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
  readonly #reclaim: () => Promise<void> | void;

  private constructor(dir: string | undefined, max: number, reclaim: () => Promise<void> | void) {
    this.#dir = dir;
    this.#max = max;
    this.#reclaim = reclaim;
  }

  static create(options: UnetGraphCacheOptions = {}): UnetGraphCache {
    const max = options.maxEntries ?? 4;
    if (!Number.isInteger(max) || max < 1) {
      throw new EngineError('invalid_option', `'maxEntries' must be a positive integer, got ${max}`);
    }
    return new UnetGraphCache(options.cacheDir, max, options.reclaim ?? collectExposedGarbage);
  }

  /** The cache key of `model` compiled with `options`. */
  keyOf(model: UnetModel, options?: UnetGraphOptions): string {
    const content = {
      builder: UNET_BUILDER_VERSION,
      weights: model.weights.id,
      config: model.config,
      patches: model.patches.map((p) => [p.id, p.signature, weightsDigest(p)]),
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
    if (dir === undefined) {
      const built = await buildInMemory(model, options);
      return { key, source: { bytes: built.bytes, hash: key }, io: built.io, options };
    }
    const modelPath = join(dir, 'model.onnx');
    const cached = await readIo(join(dir, 'io.json'));
    if (cached !== undefined) return { key, source: { path: modelPath, hash: key }, io: cached, options };
    const io = await buildToDisk(model, options, dir);
    // The weights are unreachable now; hand their memory back before a session loads the graph.
    await this.#reclaim();
    return { key, source: { path: modelPath, hash: key }, io, options };
  }
}

async function buildInMemory(
  model: UnetModel,
  options: Required<UnetGraphOptions>,
): Promise<{ readonly bytes: Uint8Array; readonly io: UnetGraphIo }> {
  const built = buildUnetGraph({
    layout: model.layout,
    weights: await model.weights.load(),
    patches: model.patches,
    options,
  });
  if (!built.model.isSelfContained) {
    throw new EngineError(
      'external_data_needs_dir',
      `the UNet graph of ${model.weights.origin} is over 2 GB; create the UnetGraphCache with 'cacheDir'`,
    );
  }
  return { bytes: built.model.bytes, io: built.io };
}

/** Build and write `model.onnx` (+ data), then `io.json` last: its presence marks a complete entry. */
async function buildToDisk(
  model: UnetModel,
  options: Required<UnetGraphOptions>,
  dir: string,
): Promise<UnetGraphIo> {
  const built = buildUnetGraph({
    layout: model.layout,
    weights: await model.weights.load(),
    patches: model.patches,
    options,
  });
  await writeModel(built.model, dir);
  const tmp = join(dir, `io.json.tmp-${randomUUID()}`);
  await writeFile(tmp, JSON.stringify(built.io));
  await rename(tmp, join(dir, 'io.json'));
  return built.io;
}
