/**
 * @module
 * The queue as a pure state machine: the pending prompts in run order (by `number`, ComfyUI's
 * priority key: lower first, `front` submissions negative) and the running prompts (the local worker
 * runs one at a time; a cluster runs several). Transitions are past-tense actions; an impossible
 * transition (starting a second prompt locally) is a bug and throws.
 */
import type { ValidatedPrompt } from '@momaflow/engine';
import type { PromptSubmission } from '../store';

/** A queued prompt; `validated` is kept in memory only (after a restart the prompt is validated again). */
export interface QueueItem extends PromptSubmission {
  readonly validated?: ValidatedPrompt;
}

export interface QueueState {
  readonly pending: readonly QueueItem[];
  /** What runs now: at most one in the local queue, one per busy worker slot in a cluster. */
  readonly running: readonly QueueItem[];
}

export type QueueAction =
  | { readonly type: 'enqueued'; readonly item: QueueItem }
  | { readonly type: 'started'; readonly id: string }
  | { readonly type: 'finished'; readonly id: string }
  | { readonly type: 'returned'; readonly id: string }
  | { readonly type: 'removed'; readonly ids: readonly string[] };

/** Nothing pending, nothing running. */
export const EMPTY_QUEUE: QueueState = { pending: [], running: [] };

function assertNever(value: never): never {
  throw new Error(`unhandled queue action ${JSON.stringify(value)}`);
}

/** Inserts after every item with a number <= item.number, so equal numbers keep submission order. */
function insertSorted(items: readonly QueueItem[], item: QueueItem): QueueItem[] {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.number <= item.number) lo = mid + 1;
    else hi = mid;
  }
  return [...items.slice(0, lo), item, ...items.slice(lo)];
}

/**
 * @example
 * let state = queueReducer(EMPTY_QUEUE, { type: 'enqueued', item });
 * state = queueReducer(state, { type: 'started', id: item.id });
 */
export function queueReducer(state: QueueState, action: QueueAction): QueueState {
  switch (action.type) {
    case 'enqueued':
      if ([...state.running, ...state.pending].some((p) => p.id === action.item.id)) {
        throw new Error(`prompt ${action.item.id} is already queued`);
      }
      return { ...state, pending: insertSorted(state.pending, action.item) };
    case 'started': {
      const busy = state.running[0];
      if (busy) throw new Error(`cannot start ${action.id}: ${busy.id} is running`);
      const item = state.pending.find((p) => p.id === action.id);
      if (!item) throw new Error(`cannot start ${action.id}: it is not pending`);
      return { pending: state.pending.filter((p) => p !== item), running: [item] };
    }
    case 'finished':
      if (state.running[0]?.id !== action.id)
        throw new Error(`cannot finish ${action.id}: it is not running`);
      return { ...state, running: [] };
    case 'returned': {
      const item = state.running[0];
      if (item?.id !== action.id) throw new Error(`cannot return ${action.id}: it is not running`);
      return { pending: insertSorted(state.pending, item), running: [] };
    }
    case 'removed': {
      const ids = new Set(action.ids);
      return { ...state, pending: state.pending.filter((p) => !ids.has(p.id)) };
    }
    default:
      return assertNever(action);
  }
}

/** The prompt to run next, if nothing is running. */
export function nextItem(state: QueueState): QueueItem | undefined {
  return state.running.length > 0 ? undefined : state.pending[0];
}

/** ComfyUI's `queue_remaining`: pending plus running. */
export function queueRemaining(state: QueueState): number {
  return state.pending.length + state.running.length;
}
