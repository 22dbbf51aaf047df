/**
 * @module
 * SQLite persistence of the queue and the history (better-sqlite3, synchronous: every call is one
 * short statement or transaction, well under a millisecond, so it never needs to leave the event
 * loop). One row per prompt; its `status` says whether it is queued, running or finished.
 */
import Database from 'better-sqlite3';
import { outcomeParams, readPromptRow, submissionParams } from './prompt-row';
import { migrate } from './schema';
import {
  interruptedOutcome,
  type PromptOutcome,
  type PromptSubmission,
  type StoredPrompt,
} from './stored-prompt';

/** A page of history, oldest first (ComfyUI's order). */
export interface HistoryPage {
  readonly total: number;
  readonly items: readonly StoredPrompt[];
}

export interface HistoryQuery {
  readonly maxItems?: number;
  /** From the oldest entry; when unset, the page ends at the newest entry. */
  readonly offset?: number;
}

export interface PromptStore {
  insert(submission: PromptSubmission, queuedAt: number): void;
  /** Queued prompts in run order. */
  queued(): StoredPrompt[];
  /** Prompts marked running, in queue order (a cluster's workers may still be running them). */
  running(): StoredPrompt[];
  get(id: string): StoredPrompt | undefined;
  markRunning(id: string, startedAt: number): void;
  /** Records the end of a run (or the cancellation of a queued prompt) and appends it to history. */
  finish(id: string, outcome: PromptOutcome): void;
  /** Puts a running prompt back in the queue, keeping its place (graceful shutdown). */
  returnToQueue(id: string): void;
  /** Queues a finished prompt again under a new number; false if it is not interrupted or failed. */
  requeue(id: string, number: number, queuedAt: number): boolean;
  /** Marks prompts left `running` by a process that died as interrupted; returns their ids. */
  recoverInterrupted(at: number): string[];
  deleteQueued(ids: readonly string[]): string[];
  history(query: HistoryQuery): HistoryPage;
  /** Deletes finished prompts (all when `ids` is unset); returns how many. */
  deleteHistory(ids?: readonly string[]): number;
  /** The largest queue number ever used (absolute value), so numbers keep growing after a restart. */
  maxNumber(): number;
  close(): void;
}

/**
 * @example
 * const store = openPromptStore({ file: path.join(dataDir, 'momaflow.sqlite') });
 * for (const id of store.recoverInterrupted(Date.now())) log.warn('interrupted by a restart', { id });
 */
export function openPromptStore(options: { file: string }): PromptStore {
  const db = new Database(options.file);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL: a power cut may lose the last transactions but never corrupts the database.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const stmt = {
    insert: db.prepare(
      `INSERT INTO prompts (id, number, status, client_id, prompt, workflow, targets, extra, queued_at)
       VALUES (@id, @number, 'queued', @client_id, @prompt, @workflow, @targets, @extra, @queued_at)`,
    ),
    queued: db.prepare(`SELECT * FROM prompts WHERE status = 'queued' ORDER BY number, queued_at`),
    get: db.prepare('SELECT * FROM prompts WHERE id = ?'),
    markRunning: db.prepare(`UPDATE prompts SET status = 'running', started_at = ? WHERE id = ?`),
    finish: db.prepare(
      `UPDATE prompts SET status = @status, outputs = @outputs, timings = @timings, summary = @summary,
         error = @error, finished_at = @finished_at,
         finish_seq = (SELECT COALESCE(MAX(finish_seq), 0) + 1 FROM prompts)
       WHERE id = @id`,
    ),
    returnToQueue: db.prepare(
      `UPDATE prompts SET status = 'queued', started_at = NULL WHERE id = ? AND status = 'running'`,
    ),
    requeue: db.prepare(
      `UPDATE prompts SET status = 'queued', number = @number, queued_at = @queued_at, started_at = NULL,
         finished_at = NULL, finish_seq = NULL, outputs = '{}', timings = '{}', summary = '[]', error = NULL
       WHERE id = @id AND status IN ('interrupted', 'error')`,
    ),
    running: db.prepare(`SELECT * FROM prompts WHERE status = 'running' ORDER BY number`),
    runningIds: db.prepare(`SELECT id FROM prompts WHERE status = 'running' ORDER BY number`).pluck(),
    deleteQueued: db.prepare(`DELETE FROM prompts WHERE id = ? AND status = 'queued'`),
    historyCount: db.prepare('SELECT COUNT(*) FROM prompts WHERE finish_seq IS NOT NULL').pluck(),
    historyPage: db.prepare(
      'SELECT * FROM prompts WHERE finish_seq IS NOT NULL ORDER BY finish_seq LIMIT ? OFFSET ?',
    ),
    deleteFinished: db.prepare('DELETE FROM prompts WHERE id = ? AND finish_seq IS NOT NULL'),
    deleteAllFinished: db.prepare('DELETE FROM prompts WHERE finish_seq IS NOT NULL'),
    maxNumber: db.prepare('SELECT COALESCE(MAX(ABS(number)), 0) FROM prompts').pluck(),
  };

  const recover = db.transaction((at: number) => {
    const ids = stmt.runningIds.all() as string[];
    for (const id of ids) stmt.finish.run(outcomeParams(id, interruptedOutcome(id, at)));
    return ids;
  });
  const deleteQueued = db.transaction((ids: readonly string[]) =>
    ids.filter((id) => stmt.deleteQueued.run(id).changes > 0),
  );
  const deleteHistory = db.transaction((ids: readonly string[]) =>
    ids.reduce((n, id) => n + stmt.deleteFinished.run(id).changes, 0),
  );

  return {
    insert: (submission, queuedAt) => void stmt.insert.run(submissionParams(submission, queuedAt)),
    queued: () => stmt.queued.all().map(readPromptRow),
    get(id) {
      const row = stmt.get.get(id);
      return row === undefined ? undefined : readPromptRow(row);
    },
    running: () => stmt.running.all().map(readPromptRow),
    markRunning: (id, startedAt) => void stmt.markRunning.run(startedAt, id),
    finish: (id, outcome) => void stmt.finish.run(outcomeParams(id, outcome)),
    returnToQueue: (id) => void stmt.returnToQueue.run(id),
    requeue: (id, number, queuedAt) => stmt.requeue.run({ id, number, queued_at: queuedAt }).changes > 0,
    recoverInterrupted: (at) => recover(at),
    deleteQueued: (ids) => deleteQueued(ids),
    history(query) {
      const total = Number(stmt.historyCount.get());
      const limit = query.maxItems ?? total;
      const offset = query.offset ?? Math.max(0, total - limit);
      return { total, items: stmt.historyPage.all(limit, offset).map(readPromptRow) };
    },
    deleteHistory: (ids) => (ids ? deleteHistory(ids) : stmt.deleteAllFinished.run().changes),
    maxNumber: () => Number(stmt.maxNumber.get()),
    close: () => db.close(),
  };
}
