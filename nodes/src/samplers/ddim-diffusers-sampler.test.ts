import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { createDdimDiffusersSampler } from './ddim-diffusers-sampler';
import { ddimDiffusersTimesteps } from './ddim-diffusers-timesteps';
import { SD1_SCHEDULE, sigmaToTimestep } from './discrete-schedule';
import { eulerSampler } from './euler-sampler';
import { TorchCpuGenerator } from './noise';
import { sample } from './sample';
import { initialSamplerState } from './sampler';
import { describeSamplerContract } from './sampler-contract';

const ac = SD1_SCHEDULE.alphasCumprod;
const alphaAt = (t: number): number => (t < 0 ? ac[0]! : ac[t]!);

/** The exact noise prediction for N(0, 1) data: E[eps | x_t] = sqrt(1 - abar_t) x_t. */
const gaussianEps = async (x: Tensor, t: number): Promise<Tensor> =>
  new Tensor(
    'float32',
    x.shape,
    x.data.map((v) => Math.sqrt(1 - ac[t]!) * v),
  );

/** diffusers `DDIMScheduler.step` (eta 0, epsilon, no clipping) looped over `set_timesteps`, in float64. */
function referenceDdim(x0: readonly number[], steps: number, finalAlpha: number): number[] {
  const ratio = Math.floor(1000 / steps);
  let x = [...x0];
  for (let k = steps - 1; k >= 0; k--) {
    const t = k * ratio + 1;
    const prev = t - ratio;
    const at = ac[t]!;
    const ap = prev >= 0 ? ac[prev]! : finalAlpha;
    const eps = x.map((v) => Math.sqrt(1 - at) * v);
    const pred = x.map((v, j) => (v - Math.sqrt(1 - at) * eps[j]!) / Math.sqrt(at));
    x = pred.map((p, j) => Math.sqrt(ap) * p + Math.sqrt(1 - ap) * eps[j]!);
  }
  return x;
}

describeSamplerContract({
  sampler: createDdimDiffusersSampler(),
  levels: ddimDiffusersTimesteps({ steps: 6 }),
  alphaAt,
});

describe(createDdimDiffusersSampler.name, () => {
  const noise = new TorchCpuGenerator(8).randn([1, 4, 8, 8]);

  it.each([
    [6, false],
    [4, false],
    [25, false],
    [6, true],
  ])(
    'matches a float64 transcription of diffusers DDIMScheduler (%d steps, set_alpha_to_one %s)',
    async (steps, one) => {
      const sampler = createDdimDiffusersSampler({ setAlphaToOne: one });
      const out = await sample({
        sampler,
        levels: ddimDiffusersTimesteps({ steps }),
        x: noise,
        denoise: gaussianEps,
      });
      const ref = referenceDdim(Array.from(noise.data), steps, one ? 1 : ac[0]!);
      ref.forEach((r, i) => {
        expect(Math.abs(out.data[i]! - r)).toBeLessThan(1e-6 * Math.max(1, Math.abs(r)));
      });
    },
  );

  it('equals Euler in sigma space on x / sqrt(abar) (DDIM eta 0 is that ODE solver)', async () => {
    // A model with no closed form, so the check is not specific to Gaussian data.
    const epsModel = (x: Tensor, t: number): Tensor =>
      new Tensor(
        'float32',
        x.shape,
        x.data.map((v, i) => Math.tanh(v + 0.001 * t) * (1 + (i % 3) * 0.1)),
      );
    const timesteps = ddimDiffusersTimesteps({ steps: 6 });
    const ddim = await sample({
      sampler: createDdimDiffusersSampler(),
      levels: timesteps,
      x: noise,
      denoise: async (x, t) => epsModel(x, t),
    });
    const sigmaOf = (t: number): number => Math.sqrt((1 - alphaAt(t)) / alphaAt(t));
    const sigmas = timesteps.map(sigmaOf);
    const toSigmaSpace = 1 / Math.sqrt(alphaAt(timesteps[0]!));
    const euler = await sample({
      sampler: eulerSampler,
      levels: sigmas,
      x: new Tensor(
        'float32',
        noise.shape,
        noise.data.map((v) => v * toSigmaSpace),
      ),
      denoise: async (x, sigma) => {
        const t = sigmaToTimestep(SD1_SCHEDULE, sigma);
        const xt = x.data.map((v) => v / Math.sqrt(1 + sigma * sigma));
        const eps = epsModel(new Tensor('float32', x.shape, xt), t);
        return new Tensor(
          'float32',
          x.shape,
          x.data.map((v, i) => v - sigma * eps.data[i]!),
        );
      },
    });
    const back = Math.sqrt(alphaAt(timesteps.at(-1)!));
    ddim.data.forEach((v, i) => {
      expect(Math.abs(v - euler.data[i]! * back)).toBeLessThan(2e-5);
    });
  });

  it('rejects timesteps outside the schedule with invalid_timestep', () => {
    const sampler = createDdimDiffusersSampler();
    const state = initialSamplerState({ levels: [1000, 500], x: noise });
    expect(() => sampler.step(state, { model: noise, noise: null })).toThrow(
      expect.objectContaining({ code: 'invalid_timestep' }),
    );
  });
});
