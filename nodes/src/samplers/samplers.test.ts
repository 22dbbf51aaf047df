import { describe, expect, expectTypeOf, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { SCHEDULERS } from './noise-schedules';
import { describeSamplerContract } from './sampler-contract';
import type { KSamplerName } from './samplers';
import { BROWNIAN_NOISE_SAMPLERS, K_SAMPLER_NAMES, K_SAMPLERS } from './samplers';

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
    expect(K_SAMPLERS.dpm_fast).toBeUndefined();
  });

  it('marks the ancestral, SDE, lcm and ddpm samplers as stochastic', () => {
    expect(K_SAMPLER_NAMES.filter((n) => K_SAMPLERS[n].stochastic)).toEqual([
      'euler_ancestral',
      'dpm_2_ancestral',
      'dpmpp_2s_ancestral',
      'dpmpp_sde',
      'dpmpp_sde_gpu',
      'dpmpp_2m_sde',
      'dpmpp_2m_sde_gpu',
      'dpmpp_2m_sde_heun',
      'dpmpp_2m_sde_heun_gpu',
      'dpmpp_3m_sde',
      'dpmpp_3m_sde_gpu',
      'ddpm',
      'lcm',
    ]);
  });

  it('gives a Brownian tree only to the SDE samplers, as ComfyUI', () => {
    expect([...BROWNIAN_NOISE_SAMPLERS].every((n) => K_SAMPLERS[n].stochastic)).toBe(true);
    expect([...BROWNIAN_NOISE_SAMPLERS].every((n) => n.includes('sde'))).toBe(true);
  });
});

/** Samplers whose own test files already run the contract. */
const CONTRACT_ELSEWHERE: ReadonlySet<KSamplerName> = new Set([
  'euler',
  'ddim',
  'euler_ancestral',
  'dpmpp_2m',
]);

for (const name of K_SAMPLER_NAMES.filter((n) => !CONTRACT_ELSEWHERE.has(n))) {
  describeSamplerContract({
    sampler: K_SAMPLERS[name],
    levels: Array.from(SCHEDULERS.karras(SD1_SCHEDULE, 6)),
    ...(name.startsWith('uni_pc') ? { landsAt: { level: 0.001, reason: 'UniPC stops at sigma 0.001' } } : {}),
  });
}
