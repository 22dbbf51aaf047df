/**
 * @module
 * Improved PNDM (Zhang & Chen 2023, arXiv 2204.13902): k-diffusion `sample_ipndm` as ComfyUI ships it
 * (from zju-pi/diff-sampler). Adams-Bashforth with the fixed-step coefficients up to order 4 on the
 * last slopes, warming up from Euler; the step onto sigma = 0 returns the denoised sample.
 */
import type { Sampler } from './sampler';
import { slopeMultistepSampler } from './slope-multistep-sampler';

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
  return slopeMultistepSampler({
    name: 'ipndm',
    // The buffer keeps max_order - 1 past slopes, as diff-sampler's does.
    keep: Math.max(1, maxOrder - 1),
    denoisedAtZero: true,
    weights: (levels, i) => {
      const dt = levels[i + 1]! - levels[i]!;
      return AB_WEIGHTS[Math.min(maxOrder, i + 1) - 1]!.map((w) => w * dt);
    },
  });
}

/**
 * `ipndm` with ComfyUI's default max order 4.
 * @example
 * const x = await sample({ sampler: ipndmSampler, levels: sigmas, x: x0, denoise });
 */
export const ipndmSampler: Sampler = createIpndmSampler();
