/**
 * @module
 * Test-only: a `CliIo` for running the CLI's `main` in-process, recording what it writes and what it
 * logs (as `level: message` lines among the error output). Debug lines are dropped, as the real
 * terminal drops them unless `MOMAFLOW_DEBUG` is set.
 */
import { createLogger } from '@momaflow/engine';
import type { CliIo } from '../../server/src/cli/cli-io';

/**
 * @example
 * const io = recordingIo();
 * await main(['run', workflow, '--json'], io);
 * io.out.join('');
 */
export function recordingIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    isTty: false,
    write: (text) => out.push(text),
    error: (text) => err.push(text),
    log: createLogger((level, message) => {
      if (level !== 'debug') err.push(`${level}: ${message}`);
    }),
    onInterrupt: () => {},
    offInterrupt: () => {},
  };
}
