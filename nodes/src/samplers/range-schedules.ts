/**
 * @module
 * Schedules that depend only on the model's sigma range (ComfyUI calls them with `sigma_min`,
 * `sigma_max`): Karras, exponential, KL-optimal, and linear-quadratic (which ComfyUI scales by
 * `sigma_max` alone). Each returns steps + 1 float32 sigmas ending in 0.
 */
import { f32 } from './float32-scalar';
import { linspaceF32 } from './torch-linspace';

/** A model's sigma range, as ComfyUI passes it (`float(model_sampling.sigma_min)`, ...). */
export interface SigmaRange {
  readonly steps: number;
  readonly sigmaMin: number;
  readonly sigmaMax: number;
}

/** Options of `karrasSigmas` (k-diffusion `get_sigmas_karras`). */
export interface KarrasOptions extends SigmaRange {
  /** Karras et al. 2022 (arXiv 2206.00364) eq. 5; 7 is their recommended value. */
  readonly rho?: number;
}

const withZero = (sigmas: readonly number[]): Float32Array => Float32Array.from([...sigmas, 0]);

/**
 * k-diffusion `get_sigmas_karras`: sigmas evenly spaced in sigma^(1/rho) between sigmaMax and sigmaMin,
 * then a trailing 0.
 * @example
 * karrasSigmas({ steps: 6, sigmaMin: 0.0292, sigmaMax: 14.6146 }); // [14.61, 6.08, 2.23, 0.69, 0.17, 0.029, 0]
 */
export function karrasSigmas(options: KarrasOptions): Float32Array {
  const { steps, sigmaMin, sigmaMax, rho = 7 } = options;
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  return withZero(
    linspaceF32(0, 1, steps).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho),
  );
}

/**
 * k-diffusion `get_sigmas_exponential`: sigmas evenly spaced in log sigma, then a trailing 0.
 * @example
 * exponentialSigmas({ steps: 6, sigmaMin: 0.0292, sigmaMax: 14.6146 }); // [14.61, 4.22, 1.22, 0.35, 0.10, 0.029, 0]
 */
export function exponentialSigmas(options: SigmaRange): Float32Array {
  const { steps, sigmaMin, sigmaMax } = options;
  return withZero(linspaceF32(Math.log(sigmaMax), Math.log(sigmaMin), steps).map(Math.exp));
}

/**
 * ComfyUI `kl_optimal_scheduler` (A1111 PR 15608, "Align Your Steps" KL-optimal): sigmas evenly
 * spaced in atan(sigma), then a trailing 0. ComfyUI divides by steps - 1, which is NaN for one step;
 * here one step is [sigmaMax, 0].
 * @example
 * klOptimalSigmas({ steps: 2, sigmaMin: 1, sigmaMax: 10 }); // [10, 1, 0]
 */
export function klOptimalSigmas(options: SigmaRange): Float32Array {
  const { steps, sigmaMin, sigmaMax } = options;
  const atanMin = Math.atan(sigmaMin);
  const atanMax = Math.atan(sigmaMax);
  const sigmas = Array.from({ length: steps }, (_, i) => {
    const w = steps === 1 ? 0 : f32(i / (steps - 1));
    return Math.tan(w * atanMin + (1 - w) * atanMax);
  });
  return withZero(sigmas);
}

/**
 * ComfyUI `linear_quadratic_schedule` (from genmoai's Mochi): the first half of the steps lowers the
 * noise linearly by `thresholdNoise`, the rest quadratically to 0, scaled by sigmaMax.
 * @example
 * linearQuadraticSigmas({ steps: 1, sigmaMin: 0.03, sigmaMax: 14.6 }); // [14.6, 0]
 */
export function linearQuadraticSigmas(
  options: SigmaRange & { readonly thresholdNoise?: number; readonly linearSteps?: number },
): Float32Array {
  const { steps, sigmaMax, thresholdNoise = 0.025 } = options;
  const scale = (fractions: readonly number[]): Float32Array =>
    Float32Array.from(fractions, (v) => f32(f32(v) * f32(sigmaMax)));
  if (steps === 1) return scale([1, 0]);
  const linearSteps = options.linearSteps ?? Math.trunc(steps / 2);
  const linear = Array.from({ length: linearSteps }, (_, i) => (i * thresholdNoise) / linearSteps);
  const stepDiff = linearSteps - thresholdNoise * steps;
  const quadraticSteps = steps - linearSteps;
  const quadraticCoef = stepDiff / (linearSteps * quadraticSteps ** 2);
  const linearCoef = thresholdNoise / linearSteps - (2 * stepDiff) / quadraticSteps ** 2;
  const constant = quadraticCoef * linearSteps ** 2;
  const quadratic = Array.from({ length: quadraticSteps }, (_, k) => {
    const i = linearSteps + k;
    return quadraticCoef * i ** 2 + linearCoef * i + constant;
  });
  return scale([...linear, ...quadratic, 1].map((v) => 1 - v));
}
