/**
 * @module
 * DPM-Solver++(2M) (Lu et al. 2022, arXiv 2211.01095, Alg. 2): k-diffusion `sample_dpmpp_2m`. Works
 * in t = -log(sigma); the first step (no history) and the step onto sigma = 0 are first order, the
 * others extrapolate the denoised estimate linearly from the previous one, kept as `history`.
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, requireModel } from './sampler-kit';
import { map2, map3 } from './tensor-math';

const tOf = (sigma: number): number => -Math.log(sigma);

function dpmpp2mStep(state: SamplerState, input: StepInput): SamplerState {
  const denoised = requireModel('dpmpp_2m', state, input);
  const i = state.index;
  const sigma = state.levels[i]!;
  const sigmaNext = state.levels[i + 1]!;
  const done = (x: typeof denoised) => finishStep(state, { x, denoised, history: [denoised] });
  // With sigma_next = 0, t_next = inf: sigma_fn(t_next) = 0 and -expm1(-h) = 1, i.e. x = denoised.
  if (sigmaNext === 0) return done(denoised);
  const t = tOf(sigma);
  const tNext = tOf(sigmaNext);
  const h = tNext - t;
  const ratio = Math.exp(-tNext) / Math.exp(-t);
  const c = -Math.expm1(-h);
  const old = state.history.at(-1);
  if (old === undefined) return done(map2(state.x, denoised, (x, d) => ratio * x + c * d));
  const r = (t - tOf(state.levels[i - 1]!)) / h;
  const a = 1 + 1 / (2 * r);
  const b = 1 / (2 * r);
  return done(map3(state.x, denoised, old, (x, d, o) => ratio * x + c * (a * d - b * o)));
}

/**
 * `dpmpp_2m`: second-order multistep, deterministic.
 * @example
 * const x = await sample({ sampler: dpmpp2mSampler, levels: sigmas, x: x0, denoise });
 */
export const dpmpp2mSampler: Sampler = kDiffusionSampler({ name: 'dpmpp_2m', step: dpmpp2mStep });
