/**
 * @module
 * The persistent queue: the pure state machine mirrored into the store. Every transition is written
 * to SQLite first, then applied in memory, then announced to listeners (the WebSocket `status`).
 * On creation it recovers what a previous process left: running prompts become interrupted history
 * entries, queued prompts are queued again in their order.
 */
import { randomUUID } from 'node:crypto';
import type { ValidatedPrompt } from '@momaflow/engine';
import {
  type ExtraData,
  interruptedOutcome,
  type PromptOutcome,
  type PromptStore,
  type StoredPrompt,
} from '../store';
import {
  EMPTY_QUEUE,
  nextItem,
  type QueueAction,
  type QueueItem,
  type QueueState,
  queueReducer,
} from './queue-state';

/** What a client submits, before the queue gives it an id (unless the client chose one) and a number. */
export interface QueueRequest {
  readonly id?: string;
  /** Jump the queue (ComfyUI's `front`). */
  readonly front?: boolean;
  readonly clientId: string | null;
  readonly prompt: unknown;
  readonly workflow: unknown;
  readonly targets: readonly string[];
  readonly extra: ExtraData;
  readonly validated?: ValidatedPrompt;
}

/**
 * The queued item of a request, numbered by the queue's `counter` (negative to jump the queue), without
 * its validated prompt (a queue that keeps it adds it).
 */
export function queueItem(request: QueueRequest, counter: number): QueueItem {
  return {
    id: request.id ?? randomUUID(),
    number: request.front ? -counter : counter,
    clientId: request.clientId,
    prompt: request.prompt,
    workflow: request.workflow,
    targets: request.targets,
    extra: request.extra,
  };
}

/** What the API does with a queue: the local one below, or a cluster's (`server/src/cluster`). */
export interface QueueApi {
  state(): QueueState;
  enqueue(request: QueueRequest): QueueItem;
  /** Removes a pending prompt and records it in history as interrupted; false if it isn't pending. */
  cancel(id: string): boolean;
  remove(ids: readonly string[]): string[];
  clear(): string[];
  /** Queues an interrupted or failed prompt again at the back; undefined if it can't be. */
  requeue(id: string): QueueItem | undefined;
  /** Any prompt the store knows (queued, running or finished). */
  lookup(id: string): StoredPrompt | undefined;
  onChange(listener: (state: QueueState) => void): () => void;
}

/** The local queue, which the in-process worker loop takes prompts from. */
export interface PromptQueue extends QueueApi {
  /** Ids of prompts a previous process left running, now interrupted history entries. */
  readonly recovered: readonly string[];
  /** Starts the next pending prompt (persisted as running), if nothing runs. */
  take(): QueueItem | undefined;
  finish(id: string, outcome: PromptOutcome): void;
  /** Puts the running prompt back at its place (graceful shutdown: it runs again after a restart). */
  returnToQueue(id: string): void;
  /** Resolves when a prompt could be taken, or when `signal` aborts. */
  waitForWork(signal: AbortSignal): Promise<void>;
}

function toItem(stored: StoredPrompt): QueueItem {
  const { id, number, clientId, prompt, workflow, targets, extra } = stored;
  return { id, number, clientId, prompt, workflow, targets, extra };
}

/**
 * @example
 * const queue = createPromptQueue({ store });
 * const item = queue.enqueue({ clientId, prompt, workflow, targets, extra: {} });
 */
export function createPromptQueue(options: { store: PromptStore; now?: () => number }): PromptQueue {
  const { store } = options;
  const now = options.now ?? Date.now;
  const listeners = new Set<(state: QueueState) => void>();
  const waiters = new Set<() => void>();
  const recovered = store.recoverInterrupted(now());
  let counter = store.maxNumber();
  let state = store
    .queued()
    .reduce<QueueState>(
      (s, stored) => queueReducer(s, { type: 'enqueued', item: toItem(stored) }),
      EMPTY_QUEUE,
    );

  const apply = (action: QueueAction) => {
    state = queueReducer(state, action);
    if (nextItem(state)) {
      for (const wake of [...waiters]) wake();
    }
    for (const listener of listeners) listener(state);
  };

  const queue: PromptQueue = {
    state: () => state,
    recovered,
    enqueue(request) {
      counter += 1;
      const item: QueueItem = {
        ...queueItem(request, counter),
        ...(request.validated ? { validated: request.validated } : {}),
      };
      store.insert(item, now());
      apply({ type: 'enqueued', item });
      return item;
    },
    take() {
      const item = nextItem(state);
      if (!item) return undefined;
      store.markRunning(item.id, now());
      apply({ type: 'started', id: item.id });
      return item;
    },
    finish(id, outcome) {
      store.finish(id, outcome);
      apply({ type: 'finished', id });
    },
    returnToQueue(id) {
      store.returnToQueue(id);
      apply({ type: 'returned', id });
    },
    cancel(id) {
      if (!state.pending.some((p) => p.id === id)) return false;
      store.finish(id, interruptedOutcome(id, now()));
      apply({ type: 'removed', ids: [id] });
      return true;
    },
    remove(ids) {
      const pending = new Set(state.pending.map((p) => p.id));
      const removed = store.deleteQueued(ids.filter((id) => pending.has(id)));
      if (removed.length > 0) apply({ type: 'removed', ids: removed });
      return removed;
    },
    clear: () => queue.remove(state.pending.map((p) => p.id)),
    requeue(id) {
      counter += 1;
      if (!store.requeue(id, counter, now())) return undefined;
      const stored = store.get(id);
      if (!stored) return undefined;
      const item = toItem(stored);
      apply({ type: 'enqueued', item });
      return item;
    },
    lookup: (id) => store.get(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    waitForWork(signal) {
      if (nextItem(state) || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    },
  };
  return queue;
}
