/**
 * @module
 * The RAM budget of a process's cached onnxruntime sessions (`SessionCache`'s `maxBytes`): how much
 * the sessions kept open for later prompts may hold before the least recently used idle ones are
 * closed. The default follows InvokeAI's model cache: half the memory, less 2 GiB for the rest of the
 * process, at least 4 GiB and at most 32 GiB (more cached models buy little on CPU; the OS page cache
 * still speeds up reloading them). `MOMAFLOW_CACHE_RAM` (GiB) overrides it, and the CLI's
 * `--cache-ram` overrides both.
 */
import { totalmem } from 'node:os';
import { EngineError } from '../errors/engine-error';

/** The environment variable that sets the budget in GiB (the CLI's `--cache-ram` wins over it). */
export const CACHE_RAM_ENV_VAR = 'MOMAFLOW_CACHE_RAM';

const GIB = 2 ** 30;

/** Where a budget came from, for messages and the bench printout. */
export type SessionRamSource = 'option' | 'environment' | 'memory';

/** A resolved budget in bytes. */
export interface SessionRam {
  readonly bytes: number;
  readonly source: SessionRamSource;
}

/**
 * A budget in bytes from GiB as text (`0` closes every idle session before another opens; fractions
 * allowed), or EngineError `invalid_option` naming `origin`.
 * @example
 * parseCacheRam('6.5', '--cache-ram'); // 6979321856
 */
export function parseCacheRam(text: string, origin: string): number {
  const trimmed = text.trim();
  const gib = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(gib)) {
    throw new EngineError('invalid_option', `${origin} must be a number of GiB (0 or more), got '${text}'`, {
      origin,
    });
  }
  return Math.round(gib * GIB);
}

/**
 * The default budget for a machine with `total` bytes of memory (see the module comment).
 * @example
 * defaultSessionRam(24 * 2 ** 30); // 10 GiB
 */
export function defaultSessionRam(total: number): number {
  return Math.min(32 * GIB, Math.max(4 * GIB, total / 2 - 2 * GIB));
}

/** The memory this process may use: the machine's, or its cgroup limit (containers) when lower. */
function processMemory(): number {
  const limit = process.constrainedMemory();
  const total = totalmem();
  return limit > 0 && limit < total ? limit : total;
}

/** What `resolveSessionRam` reads; each defaults to this process's. */
export interface SessionRamInputs {
  /** An explicit budget in bytes (the CLI's `--cache-ram`, parsed). */
  readonly option?: number;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  readonly totalMemory?: () => number;
}

/**
 * The budget: `option`, else `MOMAFLOW_CACHE_RAM`, else `defaultSessionRam` of the process's memory.
 * @throws EngineError `invalid_option` for a budget that is not a number of GiB.
 * @example
 * const { bytes } = resolveSessionRam({ option: args.cacheRam });
 */
export function resolveSessionRam(inputs: SessionRamInputs = {}): SessionRam {
  if (inputs.option !== undefined) {
    if (!Number.isFinite(inputs.option) || inputs.option < 0) {
      throw new EngineError('invalid_option', `'cacheRam' must be 0 or more bytes, got ${inputs.option}`);
    }
    return { bytes: inputs.option, source: 'option' };
  }
  const fromEnv = (inputs.environment ?? process.env)[CACHE_RAM_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { bytes: parseCacheRam(fromEnv, CACHE_RAM_ENV_VAR), source: 'environment' };
  }
  return { bytes: defaultSessionRam((inputs.totalMemory ?? processMemory)()), source: 'memory' };
}
