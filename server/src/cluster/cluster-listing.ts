/**
 * @module
 * The cluster part of `GET /api/queue`: the live workers (what they run, what they have loaded, their
 * node packs), which worker runs each running prompt, and why each pending prompt waits.
 */
import type { ClusterEntry } from './cluster-entries';
import { waitingReason } from './placement';
import { isLive, type WorkerAdvert } from './worker-advert';

export interface ClusterListing {
  readonly workers: readonly {
    readonly id: string;
    readonly host: string;
    readonly pid: number;
    readonly slots: number;
    readonly running: readonly string[];
    readonly warm: readonly string[];
    readonly node_packs: readonly string[];
    readonly seen_ms_ago: number;
  }[];
  /** Running prompt id -> worker id. */
  readonly running: Readonly<Record<string, string>>;
  /** Pending prompt id -> why no worker runs it yet (absent while it simply waits its turn). */
  readonly waiting: Readonly<Record<string, string>>;
}

/**
 * @example
 * return c.json({ queue_running, queue_pending, cluster: clusterListing(entries, adverts, Date.now()) });
 */
export function clusterListing(
  entries: Iterable<ClusterEntry>,
  adverts: readonly WorkerAdvert[],
  now: number,
): ClusterListing {
  const live = adverts.filter((advert) => isLive(advert, now));
  const running = new Map<string, string>();
  const waiting = new Map<string, string>();
  for (const entry of entries) {
    if (entry.status === 'running') {
      running.set(entry.item.id, entry.worker ?? 'unknown');
      continue;
    }
    // From the adverts when the prompt's needs are known; else what the workers that passed it said.
    const reason = entry.requires
      ? waitingReason(entry.requires, adverts, now)
      : [...entry.reasons.values()].join('; ') || undefined;
    if (reason !== undefined) waiting.set(entry.item.id, reason);
  }
  return {
    workers: live.map((advert) => ({
      id: advert.id,
      host: advert.host,
      pid: advert.pid,
      slots: advert.slots,
      running: advert.running,
      warm: advert.warm,
      node_packs: advert.capabilities.packs.map((pack) => pack.name),
      seen_ms_ago: Math.max(0, now - advert.seenAt),
    })),
    running: Object.fromEntries(running),
    waiting: Object.fromEntries(waiting),
  };
}
