/**
 * @module
 * The CLI's side effects behind one interface, so commands are testable without a terminal.
 */
import { createLogger, type Logger } from '@momaflow/engine';

export interface CliIo {
  readonly isTty: boolean;
  readonly write: (text: string) => void;
  readonly error: (text: string) => void;
  readonly log: Logger;
  readonly onInterrupt: (handler: () => void) => void;
  readonly offInterrupt: (handler: () => void) => void;
}

/** The real process: stdout for results, stderr for errors and logs, SIGINT interrupts. */
export function processIo(): CliIo {
  return {
    isTty: Boolean(process.stdout.isTTY),
    write: (text) => process.stdout.write(text),
    error: (text) => process.stderr.write(`${text}\n`),
    log: createLogger((level, message, data) => {
      if (level === 'debug' && !process.env.MOMAFLOW_DEBUG) return;
      const extra = Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : '';
      process.stderr.write(`${level}: ${message}${extra}\n`);
    }),
    onInterrupt: (handler) => process.on('SIGINT', handler),
    offInterrupt: (handler) => process.off('SIGINT', handler),
  };
}
