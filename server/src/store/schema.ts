/**
 * @module
 * The database schema as numbered migrations, applied in order and recorded in `user_version`, so
 * a database written by an older build is upgraded in place.
 */
import type { Database } from 'better-sqlite3';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE prompts (
     id          TEXT PRIMARY KEY,
     number      INTEGER NOT NULL,
     status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'success', 'error', 'interrupted')),
     client_id   TEXT,
     prompt      TEXT NOT NULL,
     workflow    TEXT,
     targets     TEXT NOT NULL,
     extra       TEXT NOT NULL,
     outputs     TEXT NOT NULL DEFAULT '{}',
     timings     TEXT NOT NULL DEFAULT '{}',
     summary     TEXT NOT NULL DEFAULT '[]',
     error       TEXT,
     queued_at   INTEGER NOT NULL,
     started_at  INTEGER,
     finished_at INTEGER,
     -- finish order: the history's order, independent of clock changes
     finish_seq  INTEGER
   );
   CREATE INDEX prompts_queue ON prompts (status, number);
   CREATE UNIQUE INDEX prompts_history ON prompts (finish_seq) WHERE finish_seq IS NOT NULL;`,
];

/** Brings `db` up to the latest schema; returns the version it found. */
export function migrate(db: Database): number {
  const found = Number(db.pragma('user_version', { simple: true }));
  if (found > MIGRATIONS.length) {
    throw new Error(
      `the database has schema version ${found}, newer than this build's ${MIGRATIONS.length}; upgrade momaflow`,
    );
  }
  db.transaction(() => {
    for (let version = found; version < MIGRATIONS.length; version++) db.exec(MIGRATIONS[version]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
  return found;
}
