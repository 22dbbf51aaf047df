/**
 * @module
 * The `--threads N` option that `run`, `serve` and `worker` share: the same parsing and the same
 * usage error, followed by the usage text of the command it was given to.
 */
import { errorMessage, parseThreadCount } from '@momaflow/engine';
import type { CliIo } from './cli-io';

/**
 * `--threads` as a number, `undefined` when absent, or `null` after printing why it is invalid and `usage`.
 * @example
 * const threads = threadsOption(values.threads, io, USAGE);
 * if (threads === null) return EXIT.usage;
 */
export function threadsOption(text: string | undefined, io: CliIo, usage: string): number | undefined | null {
  if (text === undefined) return undefined;
  try {
    return parseThreadCount(text, '--threads');
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${usage}`);
    return null;
  }
}
