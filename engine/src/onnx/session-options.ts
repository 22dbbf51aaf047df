/**
 * @module
 * Session options and how a model is named to the session cache.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EngineError, errorMessage } from '../errors/engine-error';
import { resolveThreadCount } from './compute-threads';
import type { OnnxModel } from './onnx-model';

/** Execution providers the cache knows how to ask for; `webgpu` falls back to `cpu` when unavailable. */
export type ExecutionProviderName = 'cpu' | 'webgpu';

/** Options of one session. */
export interface OnnxSessionOptions {
  /** Default `'cpu'`. */
  readonly executionProvider?: ExecutionProviderName;
  /** Threads of one operator; default `resolveThreadCount()` (never onnxruntime's own default). */
  readonly intraOpNumThreads?: number;
  /** Default `'all'`. */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let onnxruntime plan one block for all of a run's activations from the shapes of the previous
   * run (default `true`). That block comes on top of the per-tensor allocations of the first run, which
   * the arena keeps: a session run once per prompt (a VAE decode) holds 0.5 GB more from its second
   * run on, for no measurable speed (issue 16).
   */
  readonly memPattern?: boolean;
}

/** A model to open: a built model, serialized bytes, or a file (which may reference external data). */
export type OnnxModelSource =
  | { readonly model: OnnxModel }
  | { readonly bytes: Uint8Array; readonly hash?: string }
  | { readonly path: string; readonly hash?: string };

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Content hash of a source: `model.hash`, or sha256 of the bytes or of the model file. A file's
 * external-data side file is not read (it can be gigabytes); pass `hash` for such files.
 */
export async function sourceHash(source: OnnxModelSource): Promise<string> {
  if ('model' in source) return source.model.hash;
  if (source.hash !== undefined) return source.hash;
  if ('bytes' in source) return sha256(source.bytes);
  try {
    return sha256(await readFile(source.path));
  } catch (err) {
    throw new EngineError(
      'model_not_found',
      `cannot read model file '${source.path}': ${errorMessage(err)}`,
      {
        path: source.path,
      },
    );
  }
}

/** Resolved options with defaults applied; part of the cache key. */
export interface ResolvedOnnxSessionOptions {
  readonly executionProvider: ExecutionProviderName;
  readonly intraOpNumThreads: number;
  readonly graphOptimizationLevel: NonNullable<OnnxSessionOptions['graphOptimizationLevel']>;
  readonly memPattern: boolean;
}

/** Apply defaults and validate. */
export function resolveSessionOptions(
  ...layers: (OnnxSessionOptions | undefined)[]
): ResolvedOnnxSessionOptions {
  // prototype-safe: option objects come from code, their keys are OnnxSessionOptions' own.
  const merged: OnnxSessionOptions = Object.assign({}, ...layers.filter((l) => l !== undefined));
  const threads = merged.intraOpNumThreads;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new EngineError('invalid_option', `'intraOpNumThreads' must be a positive integer, got ${threads}`);
  }
  return {
    executionProvider: merged.executionProvider ?? 'cpu',
    intraOpNumThreads: threads ?? resolveThreadCount().threads,
    graphOptimizationLevel: merged.graphOptimizationLevel ?? 'all',
    memPattern: merged.memPattern ?? true,
  };
}

/**
 * Cache key: the content hash plus the options that make a different session from the same bytes
 * (a CPU and a WebGPU session of one model are two entries).
 */
export function sessionKey(hash: string, o: ResolvedOnnxSessionOptions): string {
  const pattern = o.memPattern ? 'pattern' : 'no-pattern';
  return `${hash}:${o.executionProvider}:${o.intraOpNumThreads}:${o.graphOptimizationLevel}:${pattern}`;
}
