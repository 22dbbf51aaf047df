/**
 * @module
 * Where a cluster lives in Redis: BullMQ's queue (under its own prefix) and the keys and channels
 * momaflow adds beside it, all derived from one namespace so several clusters can share a Redis.
 */

export interface ClusterNames {
  /** BullMQ key prefix. */
  readonly prefix: string;
  /** BullMQ queue name: its keys are `<prefix>:<queue>:*`. */
  readonly queue: string;
  /** Pub/sub channel: workers' executor events and job notices, in order per publisher. */
  readonly events: string;
  /** Pub/sub channel: the server's interrupts. */
  readonly control: string;
  /** Hash: worker id -> its advertisement (JSON). */
  readonly workers: string;
  /** Hash: the server's URL and the token workers present to it. */
  readonly server: string;
}

/** The default namespace. */
export const DEFAULT_NAMESPACE = 'momaflow';

/**
 * @example
 * const names = clusterNames(); // momaflow:prompts:* for BullMQ, momaflow:cluster:* for the rest
 */
export function clusterNames(namespace: string = DEFAULT_NAMESPACE): ClusterNames {
  const own = `${namespace}:cluster`;
  return {
    prefix: namespace,
    queue: 'prompts',
    events: `${own}:events`,
    control: `${own}:control`,
    workers: `${own}:workers`,
    server: `${own}:server`,
  };
}
