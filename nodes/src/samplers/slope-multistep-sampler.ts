/**
 * @module
 * The linear multistep samplers on k-diffusion slopes d = (x - D) / sigma (private to this folder):
 * x_next = x + sum_j w_j d_{i-j}, newest slope first, with per-sampler weights (lms: integrated
 * Lagrange polynomials; ipndm: Adams-Bashforth; deis: VP-integrated polynomials).
 */
import type { Tensor } from '@momaflow/engine';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, slopeStep } from './sampler-kit';
import { map2 } from './tensor-math';

/** What differs between the slope multistep samplers. */
export interface SlopeMultistepSpec {
  readonly name: string;
  /** How many slopes to remember (the current one included). */
  readonly keep: number;
  /** Whether the step onto sigma = 0 returns the x0 estimate instead of using the weights. */
  readonly denoisedAtZero: boolean;
  /** Step i's weights for the current slope, the one before, ... (no more than are remembered). */
  readonly weights: (levels: readonly number[], i: number) => readonly number[];
}

/**
 * A multistep sampler from its weights.
 * @example
 * const sampler = slopeMultistepSampler({ name: 'ipndm', keep: 3, denoisedAtZero: true, weights });
 */
export function slopeMultistepSampler(spec: SlopeMultistepSpec): Sampler {
  return kDiffusionSampler({
    name: spec.name,
    step(state: SamplerState, input: StepInput): SamplerState {
      const { model, sigmaNext, slope, history } = slopeStep(spec.name, state, input, spec.keep);
      if (spec.denoisedAtZero && sigmaNext === 0)
        return finishStep(state, { x: model, denoised: model, history });
      const slopes = [slope, ...state.history.slice().reverse()];
      let x: Tensor = state.x;
      spec.weights(state.levels, state.index).forEach((w, j) => {
        x = map2(x, slopes[j]!, (v, s) => v + w * s);
      });
      return finishStep(state, { x, denoised: model, history });
    },
  });
}
