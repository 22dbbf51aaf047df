/**
 * @module
 * Test-only: a `CliIo` that records what a command writes, for CLI tests.
 */
import { SILENT_LOGGER } from '@momaflow/engine';
import type { CliIo } from './cli-io';

export function memoryIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    isTty: false,
    write: (t) => out.push(t),
    error: (t) => err.push(t),
    log: SILENT_LOGGER,
    onInterrupt: () => {},
    offInterrupt: () => {},
  };
  return { io, out: () => out.join(''), err: () => err.join('\n') };
}
