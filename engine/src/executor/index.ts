/** @module The executor and its typed event stream. */

export { InterruptedError } from './abort';
export type {
  ExecutionEvent,
  ExecutionEventOf,
  ExecutionEventType,
  ExecutionResult,
  ExecutionStatus,
  NodeTimings,
} from './execution-event';
export type { ExecuteOptions, Executor, ExecutorOptions } from './executor';
export { createExecutor, DEFAULT_CACHE_LIMITS } from './executor';
