import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { ddimSampler, eulerSampler } from './euler-sampler';
import { TorchCpuGenerator } from './noise';
import { SCHEDULERS } from './noise-schedules';
import { sample } from './sample';
import { describeSamplerContract } from './sampler-contract';

/** D(x, sigma) = x / (1 + sigma^2): the exact denoiser for data ~ N(0, 1). */
const gaussianDenoiser = async (x: Tensor, sigma: number): Promise<Tensor> =>
  new Tensor(
    'float32',
    x.shape,
    x.data.map((v) => v / (1 + sigma * sigma)),
  );

/** k-diffusion `sample_euler` (s_churn = 0) transcribed in float64. */
function referenceEuler(x0: readonly number[], sigmas: ArrayLike<number>): number[] {
  let x = [...x0];
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i]!;
    const denoised = x.map((v) => v / (1 + sigma * sigma));
    const d = x.map((v, j) => (v - denoised[j]!) / sigma);
    const dt = sigmas[i + 1]! - sigma;
    x = x.map((v, j) => v + d[j]! * dt);
  }
  return x;
}

describeSamplerContract({ sampler: eulerSampler, levels: Array.from(SCHEDULERS.karras(SD1_SCHEDULE, 6)) });
describeSamplerContract({ sampler: ddimSampler, levels: Array.from(SCHEDULERS.normal(SD1_SCHEDULE, 4)) });

describe('eulerSampler', () => {
  const x0 = new TorchCpuGenerator(3).randn([1, 4, 8, 8]);

  it.each(['normal', 'karras', 'simple'] as const)(
    'matches a float64 k-diffusion transcription (%s, 10 steps)',
    async (name) => {
      const sigmas = SCHEDULERS[name](SD1_SCHEDULE, 10);
      const out = await sample({ sampler: eulerSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
      const ref = referenceEuler(Array.from(x0.data), sigmas);
      ref.forEach((r, i) => {
        expect(Math.abs(out.data[i]! - r)).toBeLessThan(1e-6 * Math.max(1, Math.abs(r)));
      });
    },
  );

  it('converges to the exact ODE solution x_T / sqrt(1 + sigma_T^2) at first order', async () => {
    // For N(0, 1) data the probability-flow ODE gives x(sigma) = x_T sqrt(1 + sigma^2) / sqrt(1 + sigma_T^2).
    const errorAt = async (steps: number): Promise<number> => {
      const sigmas = SCHEDULERS.karras(SD1_SCHEDULE, steps);
      const scale = 1 / Math.sqrt(1 + sigmas[0]! ** 2);
      const out = await sample({ sampler: eulerSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
      return Math.max(...out.data.map((v, i) => Math.abs(v - x0.data[i]! * scale)));
    };
    const [e10, e20, e40] = [await errorAt(10), await errorAt(20), await errorAt(40)];
    expect(e40).toBeLessThan(0.01);
    expect(e20 / e10).toBeGreaterThan(0.4);
    expect(e20 / e10).toBeLessThan(0.6);
    expect(e40 / e20).toBeGreaterThan(0.4);
    expect(e40 / e20).toBeLessThan(0.6);
  });

  it('ComfyUI ddim is the same solver as euler', async () => {
    const sigmas = SCHEDULERS.normal(SD1_SCHEDULE, 7);
    const a = await sample({ sampler: eulerSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
    const b = await sample({ sampler: ddimSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
    expect(b.data).toEqual(a.data);
  });
});
