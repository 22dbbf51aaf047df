/**
 * @module
 * Linear multistep (Adams-Bashforth in sigma with variable steps): k-diffusion `sample_lms`, order 4.
 * Each step integrates the Lagrange polynomial through the last `order` slopes over [sigma_i,
 * sigma_{i+1}]; the first steps use the slopes they have, and the step onto sigma = 0 returns the
 * denoised sample. k-diffusion integrates with `scipy.integrate.quad`; the integrand is a polynomial
 * of degree < 4, which 4-point Gauss-Legendre integrates exactly.
 */
import type { Sampler } from './sampler';
import { slopeMultistepSampler } from './slope-multistep-sampler';

/** Gauss-Legendre nodes and weights on [-1, 1], 4 points: exact for degree <= 7. */
const GAUSS_NODES = [-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526];
const GAUSS_WEIGHTS = [0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538];

/**
 * k-diffusion `linear_multistep_coeff(order, t, i, j)`: the integral over [t_i, t_{i+1}] of the
 * Lagrange basis polynomial that is 1 at t_{i-j} and 0 at the other t_{i-k}, k < order.
 * @example
 * linearMultistepCoeff(1, [3, 1], 0, 0); // -2: Euler's dt
 */
export function linearMultistepCoeff(order: number, t: readonly number[], i: number, j: number): number {
  const basis = (tau: number): number => {
    let prod = 1;
    for (let k = 0; k < order; k++) {
      if (k !== j) prod *= (tau - t[i - k]!) / (t[i - j]! - t[i - k]!);
    }
    return prod;
  };
  const [a, b] = [t[i]!, t[i + 1]!];
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  return half * GAUSS_NODES.reduce((sum, node, n) => sum + GAUSS_WEIGHTS[n]! * basis(mid + half * node), 0);
}

/**
 * An LMS sampler of the given order (k-diffusion's default 4).
 * @example
 * const sampler = createLmsSampler({ order: 4 });
 */
export function createLmsSampler(options: { readonly order?: number } = {}): Sampler {
  const { order = 4 } = options;
  return slopeMultistepSampler({
    name: 'lms',
    keep: order,
    denoisedAtZero: true,
    weights: (levels, i) => {
      const current = Math.min(i + 1, order);
      return Array.from({ length: current }, (_, j) => linearMultistepCoeff(current, levels, i, j));
    },
  });
}

/**
 * `lms` with ComfyUI's default order 4.
 * @example
 * const x = await sample({ sampler: lmsSampler, levels: sigmas, x: x0, denoise });
 */
export const lmsSampler: Sampler = createLmsSampler();
