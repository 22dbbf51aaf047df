/** @module The prompt queue: a pure state machine, its persistent mirror and the worker loop. */
export type { PreparedPrompt } from './prepare-prompt';
export { preparePrompt } from './prepare-prompt';
export type { PromptQueue, QueueApi, QueueRequest } from './prompt-queue';
export { createPromptQueue, queueItem } from './prompt-queue';
export type { PromptWorker, PromptWorkerOptions, WorkerHooks } from './prompt-worker';
export { createPromptWorker } from './prompt-worker';
export type { QueueAction, QueueItem, QueueState } from './queue-state';
export { EMPTY_QUEUE, nextItem, queueReducer, queueRemaining } from './queue-state';
export { failedRun, type RunPromptOptions, runPrompt } from './run-prompt';
