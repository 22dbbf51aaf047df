/**
 * @module
 * The queue and history: running and pending prompts (cancel), finished ones with status, time and
 * outputs (re-run, view). Refreshes whenever the server reports a queue change.
 */
import { useCallback, useEffect, useState } from 'react';
import { useRuns, useServices } from '../../../app/editor-context';
import { formatDuration, type QueueRow, queueRows } from '../lib/queue-rows';

const HISTORY_ITEMS = 50;

export function QueuePanel() {
  const { api, ui, clientId } = useServices();
  const queueRemaining = useRuns((s) => s.queueRemaining);
  const connection = useRuns((s) => s.connection);
  const statuses = useRuns((s) =>
    Object.values(s.byTab)
      .map((r) => r.status)
      .join(','),
  );
  const [rows, setRows] = useState<QueueRow[]>([]);
  const refresh = useCallback(async () => {
    try {
      const [queue, history] = await Promise.all([api.queue(), api.history(HISTORY_ITEMS)]);
      setRows(queueRows(queue, history));
    } catch (err) {
      ui.getState().toastShown(
        'error',
        `Could not read the queue: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }, [api, ui]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh when the queue or a run changes
  useEffect(() => {
    void refresh();
  }, [refresh, queueRemaining, statuses, connection]);

  const cancel = async (row: QueueRow) => {
    await api.interrupt(row.promptId).catch((err: unknown) => ui.getState().toastShown('error', String(err)));
    void refresh();
  };
  const rerun = async (row: QueueRow) => {
    const result = await api.requeuePrompt({ prompt: row.prompt, clientId, extra: row.extra });
    if (!result.ok) ui.getState().toastShown('error', result.message);
    void refresh();
  };
  return (
    <section className="mf-panel" aria-label="Queue and history" data-testid="queue-panel">
      <h2>
        Queue <span className="mf-muted">({queueRemaining} remaining)</span>
      </h2>
      {rows.length === 0 && <p className="mf-muted">Nothing queued yet.</p>}
      <ul className="mf-queue-list">
        {rows.map((row) => (
          <li
            key={row.promptId}
            className={`mf-queue-row mf-row-${row.status}`}
            data-testid="queue-row"
            data-status={row.status}
          >
            <div className="mf-queue-head">
              <span className="mf-queue-number">#{row.number}</span>
              <span className={`mf-status-chip mf-chip-${row.status}`}>{row.status}</span>
              {row.durationMs !== null && <span className="mf-muted">{formatDuration(row.durationMs)}</span>}
              {row.queuedAt !== null && (
                <span className="mf-muted">{new Date(row.queuedAt).toLocaleTimeString()}</span>
              )}
              <span className="mf-spacer" />
              {(row.status === 'running' || row.status === 'pending') && (
                <button type="button" onClick={() => void cancel(row)}>
                  Cancel
                </button>
              )}
              {row.status !== 'running' && row.status !== 'pending' && (
                <button type="button" onClick={() => void rerun(row)}>
                  Re-run
                </button>
              )}
            </div>
            {row.images.length > 0 && (
              <div className="mf-queue-images">
                {row.images.slice(0, 8).map((ref) => (
                  <button
                    type="button"
                    key={`${ref.subfolder}/${ref.filename}`}
                    className="mf-image-button"
                    onClick={() =>
                      ui.getState().lightboxOpened({
                        url: api.viewUrl(ref),
                        downloadUrl: api.viewUrl(ref),
                        name: ref.filename,
                      })
                    }
                  >
                    <img src={api.viewUrl(ref, { side: 96 })} alt={ref.filename} />
                  </button>
                ))}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
