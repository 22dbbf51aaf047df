import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { createEulerAncestralSampler, eulerAncestralSampler } from './euler-ancestral-sampler';
import { eulerSampler } from './euler-sampler';
import { TorchCpuGenerator } from './noise';
import { SCHEDULERS } from './noise-schedules';
import type { NoiseSource } from './sample';
import { sample } from './sample';
import { initialSamplerState } from './sampler';
import { describeSamplerContract } from './sampler-contract';

const gaussianDenoiser = async (x: Tensor, sigma: number): Promise<Tensor> =>
  new Tensor(
    'float32',
    x.shape,
    x.data.map((v) => v / (1 + sigma * sigma)),
  );

/** k-diffusion `sample_euler_ancestral` (eta, s_noise) transcribed in float64, final step as ComfyUI. */
function referenceEulerAncestral(
  x0: readonly number[],
  sigmas: ArrayLike<number>,
  noises: readonly (readonly number[])[],
  eta: number,
  sNoise: number,
): number[] {
  let x = [...x0];
  for (let i = 0; i < sigmas.length - 1; i++) {
    const s = sigmas[i]!;
    const next = sigmas[i + 1]!;
    const denoised = x.map((v) => v / (1 + s * s));
    if (next === 0) {
      x = denoised;
      continue;
    }
    const up = Math.min(next, eta * Math.sqrt((next ** 2 * (s ** 2 - next ** 2)) / s ** 2));
    const down = Math.sqrt(next ** 2 - up ** 2);
    x = x.map((v, j) => v + ((v - denoised[j]!) / s) * (down - s) + noises[i]![j]! * sNoise * up);
  }
  return x;
}

describeSamplerContract({
  sampler: eulerAncestralSampler,
  levels: Array.from(SCHEDULERS.karras(SD1_SCHEDULE, 6)),
});

describe('eulerAncestralSampler', () => {
  const x0 = new TorchCpuGenerator(3).randn([1, 4, 8, 8]);

  it.each([
    [1, 1],
    [0.5, 1],
    [1, 0.8],
  ])('matches a float64 k-diffusion transcription at eta %d, s_noise %d', async (eta, sNoise) => {
    const sigmas = SCHEDULERS.karras(SD1_SCHEDULE, 8);
    const generator = new TorchCpuGenerator(11);
    const noises = Array.from({ length: 7 }, () => generator.randn(x0.shape));
    const requested: number[] = [];
    const noiseSource: NoiseSource = ({ stepIndex, shape }) => {
      requested.push(stepIndex);
      expect(shape).toEqual(x0.shape);
      return noises[stepIndex]!;
    };
    const sampler = createEulerAncestralSampler({ eta, sNoise });
    const out = await sample({ sampler, levels: sigmas, x: x0, denoise: gaussianDenoiser, noiseSource });
    const ref = referenceEulerAncestral(
      Array.from(x0.data),
      sigmas,
      noises.map((n) => Array.from(n.data)),
      eta,
      sNoise,
    );
    ref.forEach((r, i) => {
      expect(Math.abs(out.data[i]! - r)).toBeLessThan(1e-6 * Math.max(1, Math.abs(r)));
    });
    // Noise is drawn for every step except the one onto sigma = 0.
    expect(requested).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('equals euler at eta 0 except for the final step, which returns the denoised image', async () => {
    const sigmas = SCHEDULERS.normal(SD1_SCHEDULE, 5);
    const zeroNoise: NoiseSource = ({ shape }) => Tensor.zeros('float32', shape);
    const plain = createEulerAncestralSampler({ eta: 0 });
    const a = await sample({
      sampler: plain,
      levels: sigmas,
      x: x0,
      denoise: gaussianDenoiser,
      noiseSource: zeroNoise,
    });
    const b = await sample({ sampler: eulerSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
    a.data.forEach((v, i) => {
      expect(v).toBeCloseTo(b.data[i]!, 5);
    });
  });

  it('produces unit-variance samples from N(0, 1) data with the exact denoiser', async () => {
    // Ancestral sampling with the true posterior mean draws from the data distribution (up to
    // discretisation error), so the sample std should be ~1, unlike the ODE's deterministic shrinkage.
    const big = new TorchCpuGenerator(5).randn([1, 4, 64, 64]);
    const sigmas = SCHEDULERS.karras(SD1_SCHEDULE, 30);
    const x = new Tensor(
      'float32',
      big.shape,
      big.data.map((v) => v * Math.sqrt(1 + sigmas[0]! ** 2)),
    );
    const generator = new TorchCpuGenerator(6);
    const out = await sample({
      sampler: eulerAncestralSampler,
      levels: sigmas,
      x,
      denoise: async (v, sigma) => gaussianDenoiser(v, sigma),
      noiseSource: ({ shape }) => generator.randn(shape),
    });
    const mean = out.data.reduce((a, b) => a + b, 0) / out.size;
    const std = Math.sqrt(out.data.reduce((a, b) => a + (b - mean) ** 2, 0) / out.size);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(std).toBeGreaterThan(0.9);
    expect(std).toBeLessThan(1.1);
  });

  it('rejects a step that needs noise when none is given', () => {
    const sigmas = Array.from(SCHEDULERS.karras(SD1_SCHEDULE, 3));
    const state = initialSamplerState({ levels: sigmas, x: x0 });
    expect(() => eulerAncestralSampler.step(state, { model: x0, noise: null })).toThrow(
      expect.objectContaining({ code: 'noise_missing' }),
    );
  });
});
