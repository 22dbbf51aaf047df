import type { WeightReader } from '@momaflow/engine';
import { Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { openVectors } from './fixtures-dir';
import { initialLatent } from './initial-latent';
import type { SchedulerName } from './noise-schedules';
import { SCHEDULER_NAMES, SCHEDULERS } from './noise-schedules';
import { initialSamplerState } from './sampler';
import type { KSamplerName } from './samplers';
import { K_SAMPLER_NAMES, K_SAMPLERS } from './samplers';

/**
 * The reference runs use the tiny UNet, which only arrives later, so full trajectories cannot be
 * replayed yet. But every k-diffusion run here starts from the same x0 at the same sigma_max, so the
 * first model output D0 is shared: recover it from the euler/normal trajectory (x1 = x0 + (x0 - D0) /
 * sigma0 * (sigma1 - sigma0)) and check that each other sampler and schedule, fed D0 (and step_noise_0
 * for ancestral), lands on the reference's first trajectory entry. That checks our schedules, the
 * x0 = noise * sqrt(1 + sigma0^2) convention and every first step against torch.
 */
const TRAJECTORY = /^sampler\.([a-z0-9_]+)\.([a-z_]+)\.trajectory$/;

const isKSampler = (s: string): s is KSamplerName => (K_SAMPLER_NAMES as readonly string[]).includes(s);
const isScheduler = (s: string): s is SchedulerName => (SCHEDULER_NAMES as readonly string[]).includes(s);

describe('first step of every reference k-diffusion trajectory', () => {
  let vectors: WeightReader;
  beforeAll(async () => {
    vectors = await openVectors();
  });
  afterAll(() => vectors.close());

  /** Row 0 of a [steps, ...latent] trajectory, and the number of steps. */
  async function firstRow(key: string): Promise<{ x1: Tensor; steps: number }> {
    const t = await vectors.readFloat32(key);
    const [steps = 0, ...latentShape] = t.shape;
    return { x1: new Tensor('float32', latentShape, t.data.slice(0, t.size / steps)), steps };
  }

  it('matches within 1e-4 * max(1, max|ref|) given the D0 implied by euler/normal', async () => {
    const noise = await vectors.readFloat32('sampler.noise');
    const base = await firstRow('sampler.euler.normal.trajectory');
    const baseSigmas = SCHEDULERS.normal(SD1_SCHEDULE, base.steps);
    const x0 = initialLatent({ noise, sigmas: baseSigmas, sigmaMax: SD1_SCHEDULE.sigmaMax });
    const [s0 = 0, s1 = 0] = baseSigmas;
    const d0 = new Tensor(
      'float32',
      x0.shape,
      x0.data.map((v, i) => v - ((base.x1.data[i]! - v) * s0) / (s1 - s0)),
    );

    const keys = vectors.keys().filter((k) => TRAJECTORY.test(k) && k !== 'sampler.euler.normal.trajectory');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const [, name = '', scheduler = ''] = TRAJECTORY.exec(key) ?? [];
      if (!isKSampler(name) || !isScheduler(scheduler))
        throw new Error(`${key}: unknown sampler or scheduler`);
      const sampler = K_SAMPLERS[name];
      const { x1, steps } = await firstRow(key);
      const sigmas = SCHEDULERS[scheduler](SD1_SCHEDULE, steps);
      expect(Math.abs(sigmas[0]! / s0 - 1), `${key}: shares sigma0 with euler/normal`).toBeLessThan(1e-6);
      const state = initialSamplerState({
        levels: sigmas,
        x: initialLatent({ noise, sigmas, sigmaMax: SD1_SCHEDULE.sigmaMax }),
      });
      const stepNoise =
        sampler.noise(state) !== null
          ? await vectors.readFloat32(`sampler.${name}.${scheduler}.step_noise_0`)
          : null;
      const ours = sampler.step(state, { model: d0, noise: stepNoise }).x;
      const scale = Math.max(1, ...x1.data.map(Math.abs));
      const worst = ours.data.reduce((m, v, i) => Math.max(m, Math.abs(v - x1.data[i]!)), 0);
      expect(worst, key).toBeLessThanOrEqual(1e-4 * scale);
    }
  });
});
