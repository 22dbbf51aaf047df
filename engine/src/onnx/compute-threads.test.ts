import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors/engine-error';
import { cgroupCpuLimit, parseThreadCount, resolveThreadCount, THREADS_ENV_VAR } from './compute-threads';

/** A fake /sys with only `files`. */
const sys = (files: Record<string, string>) => (path: string) => files[path];

describe(cgroupCpuLimit.name, () => {
  it.each([
    ['v2 without a quota', { '/sys/fs/cgroup/cpu.max': 'max 100000\n' }, undefined],
    ['v2 with 1.5 CPUs', { '/sys/fs/cgroup/cpu.max': '150000 100000\n' }, 2],
    ['v2 with half a CPU', { '/sys/fs/cgroup/cpu.max': '50000 100000' }, 1],
    [
      'v1 without a quota',
      { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' },
      undefined,
    ],
    [
      'v1 with 3 CPUs',
      {
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '300000',
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000',
      },
      3,
    ],
    ['no cgroup files', {}, undefined],
    ['garbage', { '/sys/fs/cgroup/cpu.max': 'abc def' }, undefined],
  ])('%s', (_name, files, expected) => {
    expect(cgroupCpuLimit(sys(files))).toBe(expected);
  });
});

describe(resolveThreadCount.name, () => {
  const machine = { availableParallelism: () => 8, readSystemFile: sys({}) };

  it('uses the cores this process may use, capped by the cgroup quota', () => {
    expect(resolveThreadCount({ ...machine, environment: {} })).toEqual({ threads: 8, source: 'cores' });
    const capped = { ...machine, readSystemFile: sys({ '/sys/fs/cgroup/cpu.max': '200000 100000' }) };
    expect(resolveThreadCount({ ...capped, environment: {} })).toEqual({ threads: 2, source: 'cores' });
  });

  it('lets the environment variable override the cores, and the option override both', () => {
    const environment = { [THREADS_ENV_VAR]: '3' };
    expect(resolveThreadCount({ ...machine, environment })).toEqual({ threads: 3, source: 'environment' });
    expect(resolveThreadCount({ ...machine, environment, option: 1 })).toEqual({
      threads: 1,
      source: 'option',
    });
    expect(resolveThreadCount({ ...machine, environment: { [THREADS_ENV_VAR]: '' } }).source).toBe('cores');
  });

  it('names the variable when its value is not a positive integer', () => {
    const environment = { [THREADS_ENV_VAR]: 'lots' };
    expect(() => resolveThreadCount({ ...machine, environment })).toThrow(/MOMAFLOW_THREADS.*'lots'/);
    expect(() => resolveThreadCount({ ...machine, environment: {}, option: 0 })).toThrow(EngineError);
  });
});

describe(parseThreadCount.name, () => {
  it.each(['0', '-2', '1.5', 'two', '', '1e3'])('refuses %j, naming the origin', (text) => {
    expect(() => parseThreadCount(text, '--threads')).toThrow(/--threads must be a positive integer/);
  });

  it('reads a positive integer', () => {
    expect(parseThreadCount(' 4 ', '--threads')).toBe(4);
  });
});
