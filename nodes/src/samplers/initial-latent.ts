/**
 * @module
 * The sample a k-diffusion run starts from: ComfyUI `ModelSamplingDiscrete` (EPS) `noise_scaling` as
 * `KSampler.sample` calls it with `max_denoise`. A full-strength run (sigmas[0] is the model's sigma_max)
 * scales the noise by sqrt(1 + sigma0^2), the variance of a fully noised x_T in sigma space; img2img
 * (denoise < 1, sigmas[0] below sigma_max) adds noise * sigma0 to the encoded latent.
 */
import { Tensor } from '@momaflow/engine';
import { map1, map2 } from './tensor-math';

/** Options of `initialLatent`. */
export interface InitialLatentOptions {
  /** Unit Gaussian noise, e.g. `torchRandn({ seed, shape })`. */
  readonly noise: Tensor;
  /** The latent to start from (img2img); zeros when omitted (txt2img). */
  readonly latent?: Tensor;
  /** The sigmas the run will use (`calculateSigmas`); an empty list returns the latent unchanged. */
  readonly sigmas: ArrayLike<number>;
  /** The model's largest sigma (`DiscreteSchedule.sigmaMax`). */
  readonly sigmaMax: number;
}

/**
 * latent + noise * sqrt(1 + sigma0^2) when sigma0 >= sigmaMax (within 1e-5 relative), else
 * latent + noise * sigma0.
 * @example
 * const x = initialLatent({ noise, sigmas, sigmaMax: SD1_SCHEDULE.sigmaMax }); // txt2img
 * const y = initialLatent({ noise, latent: encoded, sigmas: img2imgSigmas, sigmaMax: SD1_SCHEDULE.sigmaMax });
 */
export function initialLatent(options: InitialLatentOptions): Tensor {
  const { noise, latent, sigmas, sigmaMax } = options;
  const sigma0 = sigmas.length > 0 ? sigmas[0]! : undefined;
  if (sigma0 === undefined) return latent ?? Tensor.zeros('float32', noise.shape);
  // ComfyUI `KSampler.max_denoise`: math.isclose(sigma_max, sigma0, rel_tol=1e-5) or sigma0 > sigma_max.
  const isMaxDenoise =
    Math.abs(sigmaMax - sigma0) <= 1e-5 * Math.max(Math.abs(sigmaMax), Math.abs(sigma0)) || sigma0 > sigmaMax;
  const scale = isMaxDenoise ? Math.sqrt(1 + sigma0 * sigma0) : sigma0;
  if (latent === undefined) return map1(noise, (n) => n * scale);
  return map2(noise, latent, (n, l) => n * scale + l);
}
