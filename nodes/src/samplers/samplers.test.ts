import { describe, expect, expectTypeOf, it } from 'vitest';
import type { KSamplerName } from './samplers';
import { K_SAMPLER_NAMES, K_SAMPLERS } from './samplers';

describe('K_SAMPLERS', () => {
  it.each(K_SAMPLER_NAMES)(
    'lists %s under its own name, as a sigma-domain denoised-prediction sampler',
    (name) => {
      const sampler = K_SAMPLERS[name];
      expect(sampler.name).toBe(name);
      expect(sampler.domain).toBe('sigma');
      expect(sampler.prediction).toBe('denoised');
    },
  );

  it('has exactly the names of K_SAMPLER_NAMES', () => {
    expect(Object.keys(K_SAMPLERS).sort()).toEqual([...K_SAMPLER_NAMES].sort());
    expectTypeOf<keyof typeof K_SAMPLERS>().toEqualTypeOf<KSamplerName>();
    // @ts-expect-error samplers momaflow does not implement are not in the registry
    expect(K_SAMPLERS.heun).toBeUndefined();
  });

  it('marks only euler_ancestral as stochastic', () => {
    expect(K_SAMPLER_NAMES.filter((n) => K_SAMPLERS[n].stochastic)).toEqual(['euler_ancestral']);
  });
});
