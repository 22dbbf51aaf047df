import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { dpmpp2mSampler } from './dpmpp-2m-sampler';
import { TorchCpuGenerator } from './noise';
import { SCHEDULERS } from './noise-schedules';
import { sample } from './sample';
import { describeSamplerContract } from './sampler-contract';

const gaussianDenoiser = async (x: Tensor, sigma: number): Promise<Tensor> =>
  new Tensor(
    'float32',
    x.shape,
    x.data.map((v) => v / (1 + sigma * sigma)),
  );

/** k-diffusion `sample_dpmpp_2m` transcribed in float64. */
function referenceDpmpp2m(x0: readonly number[], sigmas: ArrayLike<number>): number[] {
  const sigmaFn = (t: number): number => Math.exp(-t);
  const tFn = (sigma: number): number => -Math.log(sigma);
  let x = [...x0];
  let old: number[] | null = null;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const s = sigmas[i]!;
    const denoised = x.map((v) => v / (1 + s * s));
    const t = tFn(s);
    const tNext = tFn(sigmas[i + 1]!);
    const h = tNext - t;
    if (old === null || sigmas[i + 1] === 0) {
      x = x.map((v, j) => (sigmaFn(tNext) / sigmaFn(t)) * v - Math.expm1(-h) * denoised[j]!);
    } else {
      const r = (t - tFn(sigmas[i - 1]!)) / h;
      const prev = old;
      const dd = denoised.map((d, j) => (1 + 1 / (2 * r)) * d - (1 / (2 * r)) * prev[j]!);
      x = x.map((v, j) => (sigmaFn(tNext) / sigmaFn(t)) * v - Math.expm1(-h) * dd[j]!);
    }
    old = denoised;
  }
  return x;
}

describeSamplerContract({ sampler: dpmpp2mSampler, levels: Array.from(SCHEDULERS.karras(SD1_SCHEDULE, 6)) });

describe('dpmpp2mSampler', () => {
  const x0 = new TorchCpuGenerator(3).randn([1, 4, 8, 8]);

  it.each(['normal', 'karras', 'simple'] as const)(
    'matches a float64 k-diffusion transcription (%s, 10 steps)',
    async (name) => {
      const sigmas = SCHEDULERS[name](SD1_SCHEDULE, 10);
      const out = await sample({ sampler: dpmpp2mSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
      const ref = referenceDpmpp2m(Array.from(x0.data), sigmas);
      ref.forEach((r, i) => {
        expect(Math.abs(out.data[i]! - r)).toBeLessThan(1e-6 * Math.max(1, Math.abs(r)));
      });
    },
  );

  it('converges to the exact ODE solution at second order', async () => {
    const errorAt = async (steps: number): Promise<number> => {
      const sigmas = SCHEDULERS.karras(SD1_SCHEDULE, steps);
      const scale = 1 / Math.sqrt(1 + sigmas[0]! ** 2);
      const out = await sample({ sampler: dpmpp2mSampler, levels: sigmas, x: x0, denoise: gaussianDenoiser });
      return Math.max(...out.data.map((v, i) => Math.abs(v - x0.data[i]! * scale)));
    };
    const [e10, e20, e40] = [await errorAt(10), await errorAt(20), await errorAt(40)];
    expect(e40).toBeLessThan(1e-3);
    expect(e20 / e10).toBeLessThan(0.35);
    expect(e40 / e20).toBeLessThan(0.35);
  });
});
