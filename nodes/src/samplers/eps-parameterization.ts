/**
 * @module
 * The epsilon parameterisation of SD1.x (Karras et al. 2022, arXiv 2206.00364, Table 1, "VP/DDPM"
 * column; ComfyUI `comfy/model_sampling.py` `EPS`): how a caller turns a noise-predicting UNet into
 * the `denoise(x, sigma)` that k-diffusion samplers expect.
 */
import type { Tensor } from '@momaflow/engine';
import { map1, map2 } from './tensor-math';

/**
 * UNet input for sample x at noise level sigma: x / sqrt(sigma^2 + 1) (`EPS.calculate_input`).
 * @example
 * const unetIn = scaleModelInput(x, sigma);
 */
export function scaleModelInput(x: Tensor, sigma: number): Tensor {
  const c = 1 / Math.sqrt(sigma * sigma + 1);
  return map1(x, (v) => v * c);
}

/**
 * Denoised x0 from the UNet's noise prediction: x - sigma * eps (`EPS.calculate_denoised`).
 * @example
 * const d = denoisedFromEpsilon(x, eps, sigma);
 */
export function denoisedFromEpsilon(x: Tensor, eps: Tensor, sigma: number): Tensor {
  return map2(x, eps, (v, e) => v - sigma * e);
}
