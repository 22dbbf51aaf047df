/**
 * @module
 * Improved PNDM (Zhang & Chen 2023, arXiv 2204.13902): k-diffusion `sample_ipndm` as ComfyUI ships it
 * (from zju-pi/diff-sampler). Adams-Bashforth with the fixed-step coefficients up to order 4 on the
 * last slopes, warming up from Euler; the step onto sigma = 0 returns the denoised sample.
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, slopeStep } from './sampler-kit';
import { map2 } from './tensor-math';

/** Adams-Bashforth weights by order, for [d_cur, d_prev1, d_prev2, d_prev3]. */
const AB_WEIGHTS: readonly (readonly number[])[] = [
  [1],
  [3 / 2, -1 / 2],
  [23 / 12, -16 / 12, 5 / 12],
  [55 / 24, -59 / 24, 37 / 24, -9 / 24],
];

/**
 * An iPNDM sampler with the given maximum order (1 to 4; ComfyUI's default 4).
 * @example
 * const sampler = createIpndmSampler({ maxOrder: 4 });
 */
export function createIpndmSampler(options: { readonly maxOrder?: number } = {}): Sampler {
  const { maxOrder = 4 } = options;
  const name = 'ipndm';
  return kDiffusionSampler({
    name,
    step(state: SamplerState, input: StepInput): SamplerState {
      // The buffer keeps max_order - 1 past slopes, as diff-sampler's does.
      const {
        model,
        sigma,
        sigmaNext,
        slope: d,
        history,
      } = slopeStep(name, state, input, Math.max(1, maxOrder - 1));
      const i = state.index;
      if (sigmaNext === 0) return finishStep(state, { x: model, denoised: model, history });
      const weights = AB_WEIGHTS[Math.min(maxOrder, i + 1) - 1]!;
      const slopes = [d, ...state.history.slice().reverse()];
      const dt = sigmaNext - sigma;
      let x = state.x;
      weights.forEach((w, k) => {
        x = map2(x, slopes[k]!, (v, s) => v + dt * w * s);
      });
      return finishStep(state, { x, denoised: model, history });
    },
  });
}

/**
 * `ipndm` with ComfyUI's default max order 4.
 * @example
 * const x = await sample({ sampler: ipndmSampler, levels: sigmas, x: x0, denoise });
 */
export const ipndmSampler: Sampler = createIpndmSampler();
