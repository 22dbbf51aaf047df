/**
 * @module
 * DEIS (Zhang & Chen 2023, arXiv 2204.13902), "tAB" mode: k-diffusion `sample_deis` as ComfyUI ships
 * it. A multistep method on the slopes d = (x - D) / sigma whose coefficients integrate the Lagrange
 * polynomial against the VP schedule (deis-coefficients.ts); warms up from Euler, and the step onto
 * sigma = 0 is Euler (which lands on the denoised sample).
 */

import { deisCoefficients } from './deis-coefficients';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, slopeStep } from './sampler-kit';
import { map2 } from './tensor-math';

/**
 * A DEIS sampler of the given maximum order (1 to 4; ComfyUI's default 3).
 * @example
 * const sampler = createDeisSampler({ maxOrder: 3 });
 */
export function createDeisSampler(options: { readonly maxOrder?: number } = {}): Sampler {
  const { maxOrder = 3 } = options;
  const name = 'deis';
  return kDiffusionSampler({
    name,
    step(state: SamplerState, input: StepInput): SamplerState {
      const {
        model,
        sigma,
        sigmaNext,
        slope: d,
        history,
      } = slopeStep(name, state, input, Math.max(1, maxOrder - 1));
      const i = state.index;
      const order = sigmaNext <= 0 ? 1 : Math.min(maxOrder, i + 1);
      if (order === 1) {
        return finishStep(state, {
          x: map2(state.x, d, (x, s) => x + (sigmaNext - sigma) * s),
          denoised: model,
          history,
        });
      }
      const slopes = [d, ...state.history.slice().reverse()];
      let x = state.x;
      deisCoefficients(state.levels, i, order).forEach((c, j) => {
        x = map2(x, slopes[j]!, (v, s) => v + c * s);
      });
      return finishStep(state, { x, denoised: model, history });
    },
  });
}

/**
 * `deis` with ComfyUI's defaults (max order 3, tab mode).
 * @example
 * const x = await sample({ sampler: deisSampler, levels: sigmas, x: x0, denoise });
 */
export const deisSampler: Sampler = createDeisSampler();
