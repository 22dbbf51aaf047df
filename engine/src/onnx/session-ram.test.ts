import { describe, expect, it } from 'vitest';
import { CACHE_RAM_ENV_VAR, defaultSessionRam, parseCacheRam, resolveSessionRam } from './session-ram';

const GIB = 2 ** 30;

describe(resolveSessionRam.name, () => {
  it('defaults to half the memory less 2 GiB, within 4 and 32 GiB', () => {
    expect(defaultSessionRam(24 * GIB)).toBe(10 * GIB);
    expect(defaultSessionRam(8 * GIB)).toBe(4 * GIB);
    expect(defaultSessionRam(256 * GIB)).toBe(32 * GIB);
    expect(resolveSessionRam({ environment: {}, totalMemory: () => 16 * GIB })).toEqual({
      bytes: 6 * GIB,
      source: 'memory',
    });
  });

  it('takes the option over the environment variable over the default', () => {
    const environment = { [CACHE_RAM_ENV_VAR]: '1.5' };
    expect(resolveSessionRam({ environment, totalMemory: () => 16 * GIB })).toEqual({
      bytes: 1.5 * GIB,
      source: 'environment',
    });
    expect(resolveSessionRam({ option: 0, environment })).toEqual({ bytes: 0, source: 'option' });
  });

  it('refuses a budget that is not a number of GiB, naming where it came from', () => {
    expect(() => parseCacheRam('-1', '--cache-ram')).toThrow(/--cache-ram must be a number of GiB/);
    expect(() => parseCacheRam('6GB', '--cache-ram')).toThrow(/got '6GB'/);
    expect(() => resolveSessionRam({ environment: { [CACHE_RAM_ENV_VAR]: 'lots' } })).toThrow(
      CACHE_RAM_ENV_VAR,
    );
    expect(() => resolveSessionRam({ option: Number.NaN })).toThrow(/'cacheRam'/);
    expect(parseCacheRam(' 6.5 ', '--cache-ram')).toBe(6.5 * GIB);
  });
});
