/**
 * @module
 * The worker loop: runs one prompt at a time on the executor, each with its own AbortController, and
 * records how it ended. Interruption by a user ends the prompt as `interrupted`; a graceful shutdown
 * puts the running prompt back in the queue, so after a restart every prompt finishes exactly once.
 */
import {
  type ExecutionEvent,
  type Executor,
  errorMessage,
  type Logger,
  ok,
  type Result,
  type ValidatedPrompt,
} from '@momaflow/engine';
import type { PromptOutcome, SummaryEvent } from '../store';
import type { PromptQueue } from './prompt-queue';
import type { QueueItem } from './queue-state';

export interface WorkerHooks {
  /** Every executor event of the running prompt, as it happens. */
  onEvent(event: ExecutionEvent, item: QueueItem): void;
  /** The prompt ended (`outcome`), or went back to the queue on shutdown (`undefined`). */
  onSettled(item: QueueItem, outcome: PromptOutcome | undefined): void;
}

export interface PromptWorkerOptions {
  readonly queue: PromptQueue;
  readonly executor: Executor;
  /** Validates a prompt queued before a restart (its validated form is not persisted). */
  readonly prepare: (item: QueueItem) => Promise<Result<ValidatedPrompt>>;
  readonly hooks: WorkerHooks;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface PromptWorker {
  start(): void;
  /** Interrupts the running prompt (only if it is `id`, when given); returns the interrupted id. */
  interrupt(id?: string): string | undefined;
  running(): string | undefined;
  /** Stops after putting the running prompt back in the queue; resolves when the loop has ended. */
  stop(): Promise<void>;
}

const SHUTDOWN = Symbol('shutdown');

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

/**
 * @example
 * const worker = createPromptWorker({ queue, executor, prepare, hooks, log });
 * worker.start();
 * await worker.stop();
 */
export function createPromptWorker(options: PromptWorkerOptions): PromptWorker {
  const { queue, executor, hooks, log } = options;
  const now = options.now ?? Date.now;
  const stopping = new AbortController();
  let current: { readonly item: QueueItem; readonly controller: AbortController } | undefined;
  let loop: Promise<void> | undefined;

  async function runOne(item: QueueItem): Promise<void> {
    const controller = new AbortController();
    current = { item, controller };
    const summary: SummaryEvent[] = [];
    const emit = (event: ExecutionEvent) => {
      const kept = toSummary(event);
      if (kept) summary.push(kept);
      hooks.onEvent(event, item);
    };
    let outcome: PromptOutcome;
    try {
      const prepared = item.validated ? ok(item.validated) : await options.prepare(item);
      if (prepared.ok) {
        const result = await executor.execute(prepared.value, {
          promptId: item.id,
          emit,
          signal: controller.signal,
          source: { prompt: item.prompt, workflow: item.workflow },
        });
        if (result.status === 'interrupted' && controller.signal.reason === SHUTDOWN) {
          queue.returnToQueue(item.id);
          hooks.onSettled(item, undefined);
          return;
        }
        outcome = {
          status: result.status,
          outputs: result.outputs,
          timings: result.timings,
          summary,
          error: result.error ?? null,
          finishedAt: now(),
        };
      } else {
        const message = `the prompt no longer validates: ${prepared.issues.map((i) => i.message).join('; ')}`;
        outcome = failed(item, message, 'invalid_prompt', emit);
      }
    } catch (err) {
      log.error('prompt run failed outside the executor', { promptId: item.id, message: errorMessage(err) });
      outcome = failed(item, errorMessage(err), 'internal_error', emit);
    } finally {
      current = undefined;
    }
    const final: PromptOutcome = { ...outcome, summary };
    queue.finish(item.id, final);
    hooks.onSettled(item, final);
  }

  /** An error outcome for a prompt that never reached (or crashed outside) the executor. */
  function failed(
    item: QueueItem,
    message: string,
    errorType: string,
    emit: (e: ExecutionEvent) => void,
  ): PromptOutcome {
    const timestamp = now();
    emit({ type: 'execution_start', promptId: item.id, timestamp });
    emit({
      type: 'execution_error',
      promptId: item.id,
      nodeId: '',
      classType: '',
      errorType,
      message,
      stack: undefined,
      executed: [],
      timings: {},
      timestamp,
    });
    return {
      status: 'error',
      outputs: {},
      timings: {},
      summary: [],
      error: { nodeId: '', classType: '', message },
      finishedAt: timestamp,
    };
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      const item = queue.take();
      if (item) await runOne(item);
      else await queue.waitForWork(stopping.signal);
    }
  }

  return {
    start() {
      loop ??= run().catch((err: unknown) => {
        log.error('the prompt worker stopped on an unexpected error', { message: errorMessage(err) });
      });
    },
    interrupt(id) {
      if (!current || (id !== undefined && current.item.id !== id)) return undefined;
      current.controller.abort();
      return current.item.id;
    },
    running: () => current?.item.id,
    async stop() {
      stopping.abort();
      current?.controller.abort(SHUTDOWN);
      await loop;
    },
  };
}
