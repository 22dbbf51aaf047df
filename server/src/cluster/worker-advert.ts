/**
 * @module
 * What a worker tells the cluster about itself, refreshed every heartbeat and whenever it starts or
 * finishes a prompt: its slots and the prompts it runs, the models it has loaded, and its
 * capabilities. An advert older than three heartbeats is a dead worker's.
 */
import { z } from 'zod';
import { zWorkerCapabilities } from './prompt-requirements';

export const zWorkerAdvert = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  startedAt: z.number(),
  seenAt: z.number(),
  heartbeatMs: z.number().positive(),
  /** How many prompts it runs at once (`--concurrency`). */
  slots: z.number().int().positive(),
  /** The prompts it runs now. */
  running: z.array(z.string()),
  /** Model requirements (`<classType>.<input>=<value>`) of its latest prompts: what it has loaded. */
  warm: z.array(z.string()),
  capabilities: zWorkerCapabilities,
});
export type WorkerAdvert = z.infer<typeof zWorkerAdvert>;

/** Missed heartbeats before a worker counts as gone. */
const MISSED_HEARTBEATS = 3;

export const isLive = (advert: WorkerAdvert, now: number) =>
  now - advert.seenAt < MISSED_HEARTBEATS * advert.heartbeatMs;

export const hasFreeSlot = (advert: WorkerAdvert) => advert.running.length < advert.slots;

/** Reads the workers hash; unreadable entries are skipped (a worker of another version). */
export function readAdverts(hash: Readonly<Record<string, string>>): WorkerAdvert[] {
  const adverts: WorkerAdvert[] = [];
  for (const text of Object.values(hash)) {
    try {
      const parsed = zWorkerAdvert.safeParse(JSON.parse(text));
      if (parsed.success) adverts.push(parsed.data);
    } catch {
      // not JSON: skipped like any other unreadable advert
    }
  }
  return adverts.sort((a, b) => a.id.localeCompare(b.id));
}
