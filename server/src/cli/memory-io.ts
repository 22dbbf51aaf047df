/**
 * @module
 * Test-only: a `CliIo` that records what a command writes and logs, for CLI tests.
 */
import { createLogger, type LogLevel } from '@momaflow/engine';
import type { CliIo } from './cli-io';

/** A line the command logged. */
export interface LoggedLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export function memoryIo() {
  const out: string[] = [];
  const err: string[] = [];
  const logged: LoggedLine[] = [];
  const io: CliIo = {
    isTty: false,
    write: (t) => out.push(t),
    error: (t) => err.push(t),
    log: createLogger((level, message, data) => logged.push({ level, message, data })),
    onInterrupt: () => {},
    offInterrupt: () => {},
  };
  return { io, out: () => out.join(''), err: () => err.join('\n'), logged: () => [...logged] };
}
