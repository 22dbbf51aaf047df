/**
 * @module
 * The queue panel's rows: running first, then pending in order, then history newest first, each with
 * its status, timing and output images.
 */
import { ownValue } from '@momaflow/engine/protocol';
import type { HistoryEntry, QueueResponse } from '../../api/lib/api-schemas';
import type { FileRef } from '../../execution/lib/wire-schema';

export type RowStatus = 'running' | 'pending' | 'success' | 'error' | 'interrupted' | 'other';

export interface QueueRow {
  readonly promptId: string;
  readonly number: number;
  readonly status: RowStatus;
  readonly queuedAt: number | null;
  readonly durationMs: number | null;
  readonly images: readonly FileRef[];
  /** What to send to run it again. */
  readonly prompt: Record<string, unknown>;
  readonly extra: Record<string, unknown>;
}

const FINISHED: Record<string, RowStatus> = {
  success: 'success',
  error: 'error',
  interrupted: 'interrupted',
};

/**
 * @example
 * queueRows(await api.queue(), await api.history(50))
 */
export function queueRows(queue: QueueResponse, history: Readonly<Record<string, HistoryEntry>>): QueueRow[] {
  const live =
    (status: RowStatus) =>
    (t: QueueResponse['queue_running'][number]): QueueRow => ({
      promptId: t[1],
      number: t[0],
      status,
      queuedAt: null,
      durationMs: null,
      images: [],
      prompt: t[2],
      extra: t[3],
    });
  const running = queue.queue_running.map(live('running'));
  const pending = [...queue.queue_pending].sort((a, b) => a[0] - b[0]).map(live('pending'));
  const seen = new Set([...running, ...pending].map((r) => r.promptId));
  const finished = Object.entries(history)
    .filter(([id]) => !seen.has(id))
    .map(([id, entry]): QueueRow => {
      const started = entry.times?.started_at ?? null;
      const ended = entry.times?.finished_at ?? null;
      return {
        promptId: id,
        number: entry.prompt[0],
        status: ownValue(FINISHED, entry.status.status_str) ?? 'other',
        queuedAt: entry.times?.queued_at ?? null,
        durationMs: started !== null && ended !== null ? ended - started : null,
        images: Object.values(entry.outputs).flatMap((o) => o.images ?? []),
        prompt: entry.prompt[2],
        extra: entry.prompt[3],
      };
    })
    .sort((a, b) => b.number - a.number);
  return [...running, ...pending, ...finished];
}

/** A short duration: 850 ms, 12.3 s, 4 min 05 s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
