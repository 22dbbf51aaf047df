/**
 * @module
 * The executor: runs validated prompts against a long-lived output cache. It does no I/O of its own;
 * callers pass `emit` for events and an `AbortSignal` to interrupt.
 */
import { randomUUID } from 'node:crypto';
import { LruOutputCache, type OutputCache } from '../cache/output-cache';
import { type Logger, SILENT_LOGGER } from '../log';
import type { PromptSource } from '../node-api/node-definition';
import type { NodeEnv } from '../node-api/node-env';
import type { ValidatedPrompt } from '../validation/validate-prompt';
import type { ExecutionEvent, ExecutionResult } from './execution-event';
import { PromptRun } from './prompt-run';

export interface ExecutorOptions {
  readonly env: NodeEnv;
  readonly cache?: OutputCache;
  readonly log?: Logger;
}

export interface ExecuteOptions {
  readonly promptId?: string;
  readonly emit?: (event: ExecutionEvent) => void;
  readonly signal?: AbortSignal;
  readonly source?: PromptSource;
}

export interface Executor {
  readonly cache: OutputCache;
  execute(prompt: ValidatedPrompt, options?: ExecuteOptions): Promise<ExecutionResult>;
}

/** Default bounds: plenty of small values, and at most 4 GiB of tensors. */
export const DEFAULT_CACHE_LIMITS = { maxEntries: 20_000, maxBytes: 4 * 1024 ** 3 } as const;

/**
 * @example
 * const executor = createExecutor({ env });
 * const checked = await validatePrompt(prompt, { registry, env });
 * if (checked.ok) await executor.execute(checked.value, { emit: (e) => log(e) });
 */
export function createExecutor(options: ExecutorOptions): Executor {
  const cache = options.cache ?? new LruOutputCache(DEFAULT_CACHE_LIMITS);
  const log = options.log ?? SILENT_LOGGER;
  return {
    cache,
    execute(prompt, run = {}) {
      return new PromptRun({
        prompt,
        promptId: run.promptId ?? randomUUID(),
        cache,
        env: options.env,
        log,
        emit: run.emit ?? (() => {}),
        signal: run.signal,
        source: run.source ?? {},
      }).execute();
    },
  };
}
