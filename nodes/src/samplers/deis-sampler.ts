/**
 * @module
 * DEIS (Zhang & Chen 2023, arXiv 2204.13902), "tAB" mode: k-diffusion `sample_deis` as ComfyUI ships
 * it. A multistep method on the slopes d = (x - D) / sigma whose coefficients integrate the Lagrange
 * polynomial against the VP schedule (deis-coefficients.ts); warms up from Euler, and the step onto
 * sigma = 0 is Euler (which lands on the denoised sample).
 */

import { deisCoefficients } from './deis-coefficients';
import type { Sampler } from './sampler';
import { slopeMultistepSampler } from './slope-multistep-sampler';

/**
 * A DEIS sampler of the given maximum order (1 to 4; ComfyUI's default 3).
 * @example
 * const sampler = createDeisSampler({ maxOrder: 3 });
 */
export function createDeisSampler(options: { readonly maxOrder?: number } = {}): Sampler {
  const { maxOrder = 3 } = options;
  return slopeMultistepSampler({
    name: 'deis',
    keep: Math.max(1, maxOrder - 1),
    denoisedAtZero: false,
    // Euler (order 1) to start and for the step onto sigma = 0.
    weights: (levels, i) => {
      const order = levels[i + 1]! <= 0 ? 1 : Math.min(maxOrder, i + 1);
      return order === 1 ? [levels[i + 1]! - levels[i]!] : deisCoefficients(levels, i, order);
    },
  });
}

/**
 * `deis` with ComfyUI's defaults (max order 3, tab mode).
 * @example
 * const x = await sample({ sampler: deisSampler, levels: sigmas, x: x0, denoise });
 */
export const deisSampler: Sampler = createDeisSampler();
