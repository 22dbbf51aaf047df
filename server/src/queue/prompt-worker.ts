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
import type { PromptOutcome } from '../store';
import type { PromptQueue } from './prompt-queue';
import type { QueueItem } from './queue-state';
import { failedRun, runPrompt } from './run-prompt';

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
    const emit = (event: ExecutionEvent) => hooks.onEvent(event, item);
    let outcome: PromptOutcome;
    try {
      const prepared = item.validated ? ok(item.validated) : await options.prepare(item);
      if (prepared.ok) {
        const run = await runPrompt({
          executor,
          prompt: prepared.value,
          promptId: item.id,
          source: { prompt: item.prompt, workflow: item.workflow },
          signal: controller.signal,
          emit,
          now,
        });
        if (run.result.status === 'interrupted' && controller.signal.reason === SHUTDOWN) {
          queue.returnToQueue(item.id);
          hooks.onSettled(item, undefined);
          return;
        }
        outcome = run.outcome;
      } else {
        const message = `the prompt no longer validates: ${prepared.issues.map((i) => i.message).join('; ')}`;
        outcome = failedRun({ promptId: item.id, message, errorType: 'invalid_prompt', emit, now });
      }
    } catch (err) {
      log.error('prompt run failed outside the executor', { promptId: item.id, message: errorMessage(err) });
      outcome = failedRun({
        promptId: item.id,
        message: errorMessage(err),
        errorType: 'internal_error',
        emit,
        now,
      });
    } finally {
      current = undefined;
    }
    queue.finish(item.id, outcome);
    hooks.onSettled(item, outcome);
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
