/**
 * @module
 * diffusers `DDIMScheduler.step` (Song et al. 2021, arXiv 2010.02502, eq. 12) with eta 0 and epsilon
 * prediction, as MoMA's pipeline runs it: it works on the unscaled x_t at integer timesteps (start from
 * plain noise, `init_noise_sigma` = 1) and the model returns the predicted noise.
 */

import { EngineError } from '@momaflow/engine';
import type { DiscreteSchedule } from './discrete-schedule';
import { SD1_SCHEDULE } from './discrete-schedule';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, stageOrCurrentQuery } from './sampler';
import { requireModel } from './sampler-kit';
import { map2 } from './tensor-math';

/** Options of `createDdimDiffusersSampler`. */
export interface DdimDiffusersOptions {
  /** The model's schedule; SD1.x by default. */
  readonly schedule?: DiscreteSchedule;
  /** `set_alpha_to_one`: false in SD1.x's config, so the last step lands on abar_0, not on 1. */
  readonly setAlphaToOne?: boolean;
}

/**
 * A diffusers-DDIM sampler; drive it with levels from `ddimDiffusersTimesteps`.
 * @example
 * const sampler = createDdimDiffusersSampler();
 * const x = await sample({ sampler, levels: ddimDiffusersTimesteps({ steps: 50 }), x: noise, denoise: unetEps });
 */
export function createDdimDiffusersSampler(options: DdimDiffusersOptions = {}): Sampler {
  const { schedule = SD1_SCHEDULE, setAlphaToOne = false } = options;
  const ac = schedule.alphasCumprod;
  const finalAlpha = setAlphaToOne ? 1 : ac[0]!;
  const alphaAt = (t: number): number => {
    if (t < 0) return finalAlpha;
    const a = ac[t];
    if (!Number.isInteger(t) || a === undefined) {
      throw new EngineError('invalid_timestep', `DDIM timestep ${t} is outside [0, ${ac.length})`, { t });
    }
    return a;
  };
  return {
    name: 'ddim_diffusers',
    domain: 'timestep',
    prediction: 'epsilon',
    stochastic: false,
    query: stageOrCurrentQuery,
    noise: () => null,
    step(state: SamplerState, input: StepInput): SamplerState {
      const eps = requireModel('ddim_diffusers', state, input);
      const alphaT = alphaAt(state.levels[state.index]!);
      const alphaPrev = alphaAt(state.levels[state.index + 1]!);
      const sqrtBeta = Math.sqrt(1 - alphaT);
      const sqrtAlpha = Math.sqrt(alphaT);
      const sqrtAlphaPrev = Math.sqrt(alphaPrev);
      const dirCoef = Math.sqrt(1 - alphaPrev);
      // pred_original_sample = (x - sqrt(1 - abar_t) eps) / sqrt(abar_t)
      const x0 = map2(state.x, eps, (x, eps) => (x - sqrtBeta * eps) / sqrtAlpha);
      // prev_sample = sqrt(abar_prev) x0 + sqrt(1 - abar_prev) eps (variance 0 at eta 0)
      const x = map2(x0, eps, (p, eps) => sqrtAlphaPrev * p + dirCoef * eps);
      return finishStep(state, { x, denoised: x0 });
    },
  };
}
