/**
 * @module
 * How many threads one onnxruntime operator may use: the one default every session the product
 * creates is given explicitly. onnxruntime's own default (one thread per physical core it detects)
 * ran a 2048² MatMul at 107 GFLOP/s on a 2-vCPU machine where 2 explicit threads ran 341 (issue 16),
 * so no session is left to it. The default is the cores this process may use: `os.availableParallelism()`
 * (CPU affinity) capped by a cgroup CPU quota (containers), which Node 20 does not read itself.
 * `MOMAFLOW_THREADS` overrides it, and the CLI's `--threads` overrides both.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { EngineError } from '../errors/engine-error';

/** The environment variable that sets the thread count (the CLI's `--threads` wins over it). */
export const THREADS_ENV_VAR = 'MOMAFLOW_THREADS';

/** Where a thread count came from, for messages and the bench printout. */
export type ThreadCountSource = 'option' | 'environment' | 'cores';

/** A resolved thread count. */
export interface ThreadCount {
  readonly threads: number;
  readonly source: ThreadCountSource;
}

/** Reads a small system file; `undefined` when it is absent or unreadable. */
export type ReadSystemFile = (path: string) => string | undefined;

const readSystemFile: ReadSystemFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** cgroup v2 `cpu.max` ("max 100000" or "200000 100000"), then v1's quota and period files. */
const CGROUP_V2_CPU_MAX = '/sys/fs/cgroup/cpu.max';
const CGROUP_V1_DIRS = ['/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpu,cpuacct'];

function cpusOfQuota(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

/**
 * CPUs the process's cgroup quota allows (rounded up), or `undefined` when there is no quota.
 * @example
 * cgroupCpuLimit((p) => (p === '/sys/fs/cgroup/cpu.max' ? '150000 100000' : undefined)); // 2
 */
export function cgroupCpuLimit(read: ReadSystemFile = readSystemFile): number | undefined {
  const v2 = read(CGROUP_V2_CPU_MAX)?.trim().split(/\s+/);
  if (v2 !== undefined && v2.length === 2) return cpusOfQuota(Number(v2[0]), Number(v2[1]));
  for (const dir of CGROUP_V1_DIRS) {
    const quota = read(`${dir}/cpu.cfs_quota_us`);
    const period = read(`${dir}/cpu.cfs_period_us`);
    if (quota !== undefined && period !== undefined) return cpusOfQuota(Number(quota), Number(period));
  }
  return undefined;
}

/**
 * A positive integer thread count from text, or EngineError `invalid_option` naming `origin`.
 * @example
 * parseThreadCount('2', '--threads'); // 2
 */
export function parseThreadCount(text: string, origin: string): number {
  const trimmed = text.trim();
  const n = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new EngineError('invalid_option', `${origin} must be a positive integer, got '${text}'`, {
      origin,
    });
  }
  return n;
}

/** What `resolveThreadCount` reads; each defaults to this process's. */
export interface ThreadCountInputs {
  /** An explicit count (the CLI's `--threads`). */
  readonly option?: number;
  readonly environment?: Readonly<Record<string, string | undefined>>;
  readonly availableParallelism?: () => number;
  readonly readSystemFile?: ReadSystemFile;
}

/**
 * The thread count for onnxruntime sessions: `option`, else `MOMAFLOW_THREADS`, else the cores this
 * process may use (affinity and cgroup quota).
 * @throws EngineError `invalid_option` for a count that is not a positive integer.
 * @example
 * const { threads } = resolveThreadCount({ option: args.threads });
 */
export function resolveThreadCount(inputs: ThreadCountInputs = {}): ThreadCount {
  if (inputs.option !== undefined) {
    return { threads: parseThreadCount(String(inputs.option), "'threads'"), source: 'option' };
  }
  const fromEnv = (inputs.environment ?? process.env)[THREADS_ENV_VAR];
  if (fromEnv !== undefined && fromEnv !== '') {
    return { threads: parseThreadCount(fromEnv, THREADS_ENV_VAR), source: 'environment' };
  }
  const cores = (inputs.availableParallelism ?? availableParallelism)();
  const quota = cgroupCpuLimit(inputs.readSystemFile ?? readSystemFile);
  return { threads: Math.max(1, Math.min(cores, quota ?? cores)), source: 'cores' };
}
