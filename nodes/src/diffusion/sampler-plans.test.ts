import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { calculateSigmas, ddimDiffusersTimesteps, SD1_SCHEDULE } from '../samplers';
import { SAMPLER_NAMES, SAMPLER_PLANS } from './sampler-plans';

const latent = Tensor.filled([1, 4, 1, 1], 2);
const noise = Tensor.filled([1, 4, 1, 1], 1);

describe('SAMPLER_PLANS', () => {
  it('has a plan for every sampler name', () => {
    expect(Object.keys(SAMPLER_PLANS).sort()).toEqual([...SAMPLER_NAMES].sort());
  });

  it.each(['euler', 'euler_ancestral', 'dpmpp_2m', 'ddim'] as const)(
    '%s walks the scheduler sigmas and starts from noise * sqrt(1 + sigma0^2) + latent',
    (name) => {
      const plan = SAMPLER_PLANS[name];
      const levels = plan.levels({ scheduler: 'karras', steps: 5, denoise: 1 });
      expect(levels).toEqual(
        Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 5 })),
      );
      const x = plan.start({ latent, noise, levels, denoise: 1 });
      expect(x.data[0]).toBeCloseTo(2 + Math.sqrt(1 + levels[0]! ** 2), 4);
      expect(plan.levels({ scheduler: 'normal', steps: 5, denoise: 0 })).toEqual([]);
    },
  );

  it('ddim_diffusers walks the leading timesteps from plain noise, ignoring the scheduler', () => {
    const plan = SAMPLER_PLANS.ddim_diffusers;
    const levels = plan.levels({ scheduler: 'karras', steps: 6, denoise: 1 });
    expect(levels).toEqual(ddimDiffusersTimesteps({ steps: 6 }));
    expect(plan.start({ latent, noise, levels, denoise: 1 })).toBe(noise);
  });

  it('ddim_diffusers img2img runs the last steps of a longer schedule from the noised latent', () => {
    const plan = SAMPLER_PLANS.ddim_diffusers;
    const levels = plan.levels({ scheduler: 'normal', steps: 5, denoise: 0.5 });
    expect(levels).toEqual(ddimDiffusersTimesteps({ steps: 10 }).slice(-6));
    const abar = SD1_SCHEDULE.alphasCumprod[levels[0]!]!;
    const x = plan.start({ latent, noise, levels, denoise: 0.5 });
    expect(x.data[0]).toBeCloseTo(Math.sqrt(abar) * 2 + Math.sqrt(1 - abar), 5);
    expect(plan.levels({ scheduler: 'normal', steps: 5, denoise: 0 })).toEqual([]);
  });
});
