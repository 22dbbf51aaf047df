/**
 * @module
 * The server's view of the prompts a cluster has not finished: pending or running (on which worker),
 * why workers passed a pending one by, and when each last changed (so a reconcile pass that read
 * Redis before a worker's notice does not undo it). Finished prompts leave; history is the store's.
 */
import type { QueueItem, QueueState } from '../queue';
import type { PromptRequirements } from './prompt-requirements';

export interface ClusterEntry {
  readonly item: QueueItem;
  status: 'pending' | 'running';
  /** The worker running it (from its notice, or from BullMQ when the notice was missed). */
  worker: string | undefined;
  /** Known once its job is built. */
  requires: PromptRequirements | undefined;
  /** Why workers passed it by, by worker. */
  readonly reasons: Map<string, string>;
  changedAt: number;
}

/** A new entry. */
export function clusterEntry(item: QueueItem, status: ClusterEntry['status'], at: number): ClusterEntry {
  return { item, status, worker: undefined, requires: undefined, reasons: new Map(), changedAt: at };
}

/** The queue as the API lists it: pending by number, running by number. */
export function entriesState(entries: Iterable<ClusterEntry>): QueueState {
  const all = [...entries].sort((a, b) => a.item.number - b.item.number);
  return {
    pending: all.filter((e) => e.status === 'pending').map((e) => e.item),
    running: all.filter((e) => e.status === 'running').map((e) => e.item),
  };
}
