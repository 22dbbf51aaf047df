/**
 * @module
 * One prompt run as a worker records it, shared by the in-process worker loop and cluster workers:
 * the executor's events go to `emit` while the summary kept in history is collected, and a prompt
 * that cannot reach the executor ends as an error with the same two events a client would see.
 */
import type {
  ExecutionEvent,
  ExecutionResult,
  Executor,
  PromptSource,
  ValidatedPrompt,
} from '@momaflow/engine';
import type { PromptOutcome, SummaryEvent } from '../store';

function toSummary(event: ExecutionEvent): SummaryEvent | undefined {
  switch (event.type) {
    case 'execution_start':
    case 'execution_cached':
    case 'execution_success':
    case 'execution_interrupted':
      return event;
    case 'execution_error': {
      const { stack: _stack, ...rest } = event;
      return rest;
    }
    default:
      return undefined;
  }
}

export interface RunPromptOptions {
  readonly executor: Executor;
  readonly prompt: ValidatedPrompt;
  readonly promptId: string;
  readonly source: PromptSource;
  readonly signal: AbortSignal;
  readonly emit: (event: ExecutionEvent) => void;
  readonly now: () => number;
}

/**
 * @example
 * const { result, outcome } = await runPrompt({ executor, prompt, promptId, source, signal, emit, now });
 */
export async function runPrompt(
  options: RunPromptOptions,
): Promise<{ readonly result: ExecutionResult; readonly outcome: PromptOutcome }> {
  const summary: SummaryEvent[] = [];
  const result = await options.executor.execute(options.prompt, {
    promptId: options.promptId,
    signal: options.signal,
    source: options.source,
    emit(event) {
      const kept = toSummary(event);
      if (kept) summary.push(kept);
      options.emit(event);
    },
  });
  const outcome: PromptOutcome = {
    status: result.status,
    outputs: result.outputs,
    timings: result.timings,
    summary,
    error: result.error ?? null,
    finishedAt: options.now(),
  };
  return { result, outcome };
}

/**
 * The outcome of a prompt that never reached (or crashed outside) the executor; emits the
 * `execution_start` and `execution_error` a client waits for.
 */
export function failedRun(options: {
  readonly promptId: string;
  readonly message: string;
  readonly errorType: string;
  readonly emit: (event: ExecutionEvent) => void;
  readonly now: () => number;
}): PromptOutcome {
  const { promptId, message, errorType } = options;
  const timestamp = options.now();
  const error = { nodeId: '', classType: '', message };
  options.emit({ type: 'execution_start', promptId, timestamp });
  options.emit({
    type: 'execution_error',
    promptId,
    ...error,
    errorType,
    stack: undefined,
    executed: [],
    timings: {},
    timestamp,
  });
  return {
    status: 'error',
    outputs: {},
    timings: {},
    summary: [
      { type: 'execution_start', promptId, timestamp },
      { type: 'execution_error', promptId, ...error, errorType, executed: [], timings: {}, timestamp },
    ],
    error,
    finishedAt: timestamp,
  };
}
