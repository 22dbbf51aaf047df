/**
 * @module
 * Compiled LLaVA graphs, cached on disk by content: (builder version, the model's content key, the
 * configs, the storage plan). A build writes `<cacheDir>/llava-<key>/` and its `manifest.json`
 * last, so a folder with a manifest is complete; later starts (and other processes) reuse it without
 * reading a single weight. A folder without a manifest is the remains of an interrupted build and is
 * rebuilt from scratch.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { collectExposedGarbage, EngineError, type OnnxModelSource } from '@momaflow/engine';
import { z } from 'zod';
import { type BuildLlavaGraphsOptions, buildLlavaGraphs, type LlavaGraphFiles } from './build-llava-graphs';
import type { LlavaModel } from './llava-model';

/** Bump when the builders emit different graphs for the same inputs (invalidates disk caches). */
export const LLAVA_BUILDER_VERSION = 'llava-graph/2';

/** One language stage ready for `SessionCache.acquire(source)`. */
export interface CompiledLlavaStage {
  readonly source: OnnxModelSource;
  readonly layers: readonly [number, number];
}

/** The graphs of one model. */
export interface CompiledLlava {
  readonly key: string;
  readonly vision: OnnxModelSource;
  readonly stages: readonly CompiledLlavaStage[];
}

/** Options of `LlavaGraphCache.create`. */
export interface LlavaGraphCacheOptions {
  readonly cacheDir: string;
  /** Called after a build, before sessions load the files. Default: `gc()` under `--expose-gc`. */
  readonly reclaim?: () => Promise<void> | void;
}

const zManifest = z.object({
  builder: z.literal(LLAVA_BUILDER_VERSION),
  vision: z.string(),
  stages: z
    .array(z.object({ path: z.string(), layers: z.tuple([z.number().int(), z.number().int()]) }))
    .min(1),
});

function compiled(key: string, dir: string, files: LlavaGraphFiles): CompiledLlava {
  const source = (path: string, part: string): OnnxModelSource => ({
    path: resolve(dir, path),
    hash: `${key}:${part}`,
  });
  return {
    key,
    vision: source(files.vision, 'vision'),
    stages: files.stages.map((s, k) => ({ source: source(s.path, `stage-${k}`), layers: s.layers })),
  };
}

async function readManifest(dir: string): Promise<LlavaGraphFiles | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = zManifest.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // A damaged manifest is rebuilt rather than trusted.
    return undefined;
  }
}

/**
 * @example
 * const graphs = LlavaGraphCache.create({ cacheDir: 'temp/mllm-graphs' });
 * const compiled = await graphs.compile(model, { onProgress: ({ done, total }) => ctx.progress(done, total) });
 */
export class LlavaGraphCache {
  readonly #dir: string;
  readonly #reclaim: () => Promise<void> | void;
  readonly #entries = new Map<string, Promise<CompiledLlava>>();

  private constructor(dir: string, reclaim: () => Promise<void> | void) {
    this.#dir = dir;
    this.#reclaim = reclaim;
  }

  static create(o: LlavaGraphCacheOptions): LlavaGraphCache {
    return new LlavaGraphCache(o.cacheDir, o.reclaim ?? collectExposedGarbage);
  }

  /** The cache key of `model`'s graphs. */
  keyOf(model: LlavaModel): string {
    const content = {
      builder: LLAVA_BUILDER_VERSION,
      model: model.key,
      llava: model.checkpoint.config,
      tower: model.tower.config,
      quantization: model.quantization,
    };
    return createHash('sha256').update(JSON.stringify(content)).digest('hex');
  }

  /** Whether the graphs of `model` are on disk already (the next `compile` reads no weights). */
  async isBuilt(model: LlavaModel): Promise<boolean> {
    return (await readManifest(join(this.#dir, `llava-${this.keyOf(model)}`))) !== undefined;
  }

  /**
   * The graphs of `model`, built now if they are not on disk. Concurrent calls share one build; a
   * failed or cancelled build is forgotten, so the next call starts afresh.
   */
  compile(model: LlavaModel, o: BuildLlavaGraphsOptions = {}): Promise<CompiledLlava> {
    const key = this.keyOf(model);
    const known = this.#entries.get(key);
    if (known !== undefined) return known;
    const pending = this.#compile(key, model, o);
    this.#entries.set(key, pending);
    pending.catch(() => {
      if (this.#entries.get(key) === pending) this.#entries.delete(key);
    });
    return pending;
  }

  async #compile(key: string, model: LlavaModel, o: BuildLlavaGraphsOptions): Promise<CompiledLlava> {
    const dir = join(this.#dir, `llava-${key}`);
    const cached = await readManifest(dir);
    if (cached !== undefined) return compiled(key, dir, cached);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    let files: LlavaGraphFiles;
    try {
      files = await buildLlavaGraphs(model, dir, o);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const manifest = {
      builder: LLAVA_BUILDER_VERSION,
      vision: relative(dir, files.vision),
      stages: files.stages.map((s) => ({ path: relative(dir, s.path), layers: s.layers })),
    };
    const tmp = join(dir, `manifest.json.tmp-${randomUUID()}`);
    try {
      await writeFile(tmp, JSON.stringify(manifest));
      await rename(tmp, join(dir, 'manifest.json'));
    } catch (cause) {
      throw new EngineError(
        'model_write_failed',
        `cannot write ${join(dir, 'manifest.json')}`,
        { dir },
        { cause },
      );
    }
    // The weights of the build are unreachable now; hand their memory back before sessions load.
    await this.#reclaim();
    return compiled(key, dir, manifest);
  }
}
