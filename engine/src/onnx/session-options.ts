/**
 * @module
 * Session options and how a model is named to the session cache.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EngineError, errorMessage } from '../errors/engine-error';
import type { OnnxModel } from './onnx-model';

/** Execution providers the cache knows how to ask for; `webgpu` falls back to `cpu` when unavailable. */
export type ExecutionProviderName = 'cpu' | 'webgpu';

/** Options of one session. */
export interface OnnxSessionOptions {
  /** Default `'cpu'`. */
  readonly executionProvider?: ExecutionProviderName;
  /** Threads of one operator; default onnxruntime's (one per core). */
  readonly intraOpNumThreads?: number;
  /** Default `'all'`. */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
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
  readonly intraOpNumThreads: number | undefined;
  readonly graphOptimizationLevel: NonNullable<OnnxSessionOptions['graphOptimizationLevel']>;
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
    intraOpNumThreads: threads,
    graphOptimizationLevel: merged.graphOptimizationLevel ?? 'all',
  };
}

/**
 * Cache key: the content hash plus the options that make a different session from the same bytes
 * (a CPU and a WebGPU session of one model are two entries).
 */
export function sessionKey(hash: string, o: ResolvedOnnxSessionOptions): string {
  return `${hash}:${o.executionProvider}:${o.intraOpNumThreads ?? 'auto'}:${o.graphOptimizationLevel}`;
}
