/**
 * @module
 * Browser test files run one at a time: vitest runs test files in parallel workers, and two
 * chromium instances rendering at once on a 2-core machine would skew each other's frame timings.
 * The lock is a folder (mkdir is atomic); a stale one from a killed run is taken over after a while.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const LOCK = path.join(os.tmpdir(), 'momaflow-browser-tests.lock');
const POLL_MS = 250;
/** Longer than any one browser test file runs. */
const STALE_MS = 10 * 60_000;

/**
 * @example
 * const release = await acquireBrowserLock();
 * try { ... } finally { await release(); }
 */
export async function acquireBrowserLock(): Promise<() => Promise<void>> {
  for (;;) {
    try {
      await mkdir(LOCK);
      return () => rm(LOCK, { recursive: true, force: true });
    } catch {
      const age = await stat(LOCK).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) await rm(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
