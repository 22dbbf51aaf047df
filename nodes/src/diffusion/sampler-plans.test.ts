import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import {
  brownianNoiseSource,
  calculateSigmas,
  ddimDiffusersTimesteps,
  SD1_SCHEDULE,
  torchRandn,
} from '../samplers';
import { SAMPLER_NAMES, SAMPLER_PLANS, windowLevels } from './sampler-plans';

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

describe('KSampler sigma handling', () => {
  it.each(['dpm_2', 'dpm_2_ancestral', 'uni_pc', 'uni_pc_bh2'] as const)(
    '%s runs a one-step-longer schedule without its penultimate sigma',
    (name) => {
      const levels = SAMPLER_PLANS[name].levels({ scheduler: 'normal', steps: 6, denoise: 1 });
      const longer = Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'normal', steps: 7 }));
      expect(levels).toEqual([...longer.slice(0, -2), 0]);
      const partial = SAMPLER_PLANS[name].levels({ scheduler: 'karras', steps: 4, denoise: 0.5 });
      const eight = Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 9 }));
      expect(partial).toEqual([...eight.slice(0, -2), 0].slice(-5));
    },
  );

  it('cuts KSamplerAdvanced windows, ending on 0 only when forced', () => {
    const plan = SAMPLER_PLANS.euler;
    const levels = plan.levels({ scheduler: 'karras', steps: 6, denoise: 1 });
    expect(windowLevels(plan, levels, { start: 0, end: 3, forceFullDenoise: false })).toEqual(
      levels.slice(0, 4),
    );
    expect(windowLevels(plan, levels, { start: 0, end: 3, forceFullDenoise: true })).toEqual([
      ...levels.slice(0, 3),
      0,
    ]);
    expect(windowLevels(plan, levels, { start: 3, end: 10000, forceFullDenoise: true })).toEqual(
      levels.slice(3),
    );
    expect(windowLevels(plan, levels, { start: 6, end: 10000, forceFullDenoise: true })).toBeNull();
  });

  it('draws per-step noise as ComfyUI does: Brownian for SDE samplers, the seeded generator otherwise, none when deterministic', () => {
    const levels = SAMPLER_PLANS.dpmpp_sde.levels({ scheduler: 'karras', steps: 4, denoise: 1 });
    const request = { shape: [1, 4, 2, 2], stepIndex: 0, level: levels[0]!, nextLevel: levels[1]! };
    const brownian = SAMPLER_PLANS.dpmpp_sde.noiseSource({ seed: 3, levels })!;
    expect(Array.from(brownian(request).data)).toEqual(
      Array.from(brownianNoiseSource({ seed: 3, levels })(request).data),
    );
    const gaussian = SAMPLER_PLANS.euler_ancestral.noiseSource({ seed: 3, levels })!;
    expect(Array.from(gaussian(request).data)).toEqual(
      Array.from(torchRandn({ seed: 3, shape: request.shape }).data),
    );
    expect(SAMPLER_PLANS.heun.noiseSource({ seed: 3, levels })).toBeUndefined();
    expect(SAMPLER_PLANS.ddim.inpaintNoise).toBe('reseeded');
    expect(SAMPLER_PLANS.euler.inpaintNoise).toBe('start');
  });
});
