/**
 * @module
 * Ancestral Euler: k-diffusion `sample_euler_ancestral` as ComfyUI runs it. Each step goes down to
 * sigma_down with an Euler step, then adds fresh noise of std sigma_up so the marginal noise level
 * is sigma_next again (`get_ancestral_step`); the step onto sigma = 0 returns the denoised image.
 */

import { EngineError } from '@momaflow/engine';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { map3 } from './tensor-math';

/** Options of `createEulerAncestralSampler`. */
export interface EulerAncestralOptions {
  /** Share of the step's noise re-injected: 0 = plain Euler, 1 = DDPM-like ancestral sampling. */
  readonly eta?: number;
  /** Scale of the injected noise (`s_noise`). */
  readonly sNoise?: number;
}

/**
 * sigma_down, sigma_up of one ancestral step from sigmaFrom to sigmaTo: k-diffusion `get_ancestral_step`.
 * @example
 * ancestralStep(2, 1, 1); // { sigmaDown: 0.5, sigmaUp: 0.866 }
 */
export function ancestralStep(
  sigmaFrom: number,
  sigmaTo: number,
  eta: number,
): { sigmaDown: number; sigmaUp: number } {
  if (!eta) return { sigmaDown: sigmaTo, sigmaUp: 0 };
  const sigmaUp = Math.min(
    sigmaTo,
    eta * Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2),
  );
  return { sigmaDown: Math.sqrt(sigmaTo ** 2 - sigmaUp ** 2), sigmaUp };
}

/**
 * An ancestral Euler sampler with the given eta / s_noise.
 * @example
 * const sampler = createEulerAncestralSampler({ eta: 0.5 });
 */
export function createEulerAncestralSampler(options: EulerAncestralOptions = {}): Sampler {
  const { eta = 1, sNoise = 1 } = options;
  const needsNoise = (state: SamplerState): boolean => state.levels[state.index + 1]! > 0;
  return {
    name: 'euler_ancestral',
    domain: 'sigma',
    prediction: 'denoised',
    stochastic: true,
    needsNoise,
    step(state: SamplerState, input: StepInput): SamplerState {
      const next = { levels: state.levels, index: state.index + 1, denoised: input.model };
      // ComfyUI returns the denoised image on the final step instead of an Euler step to sigma 0.
      if (!needsNoise(state)) return { ...next, x: input.model };
      if (input.noise === null) {
        throw new EngineError('noise_missing', `euler_ancestral step ${state.index} needs noise`);
      }
      const sigma = state.levels[state.index]!;
      const { sigmaDown, sigmaUp } = ancestralStep(sigma, state.levels[state.index + 1]!, eta);
      const dt = sigmaDown - sigma;
      const up = sNoise * sigmaUp;
      const x = map3(state.x, input.model, input.noise, (x, d0, n) => x + ((x - d0) / sigma) * dt + n * up);
      return { ...next, x };
    },
  };
}

/**
 * `euler_ancestral` with ComfyUI's defaults (eta 1, s_noise 1).
 * @example
 * const x = await sample({ sampler: eulerAncestralSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const eulerAncestralSampler: Sampler = createEulerAncestralSampler();
