/**
 * @module
 * The `--threads N` option that `run`, `serve` and `worker` share, and the `--cache-ram GiB` of
 * `serve` and `worker`: the same parsing and the same usage error, followed by the usage text of the
 * command it was given to.
 */
import { errorMessage, parseCacheRam, parseThreadCount } from '@momaflow/engine';
import type { CliIo } from './cli-io';

/**
 * `--threads` as a number, `undefined` when absent, or `null` after printing why it is invalid and `usage`.
 * @example
 * const threads = threadsOption(values.threads, io, USAGE);
 * if (threads === null) return EXIT.usage;
 */
export function threadsOption(text: string | undefined, io: CliIo, usage: string): number | undefined | null {
  return parsedOption(text, io, usage, () => parseThreadCount(text ?? '', '--threads'));
}

/**
 * `--cache-ram` (GiB) in bytes, `undefined` when absent, or `null` after printing why it is invalid.
 * @example
 * const cacheRamBytes = cacheRamOption(values['cache-ram'], io, USAGE);
 */
export function cacheRamOption(
  text: string | undefined,
  io: CliIo,
  usage: string,
): number | undefined | null {
  return parsedOption(text, io, usage, () => parseCacheRam(text ?? '', '--cache-ram'));
}

function parsedOption(
  text: string | undefined,
  io: CliIo,
  usage: string,
  parse: () => number,
): number | undefined | null {
  if (text === undefined) return undefined;
  try {
    return parse();
  } catch (err) {
    io.error(`${errorMessage(err)}\n\n${usage}`);
    return null;
  }
}
