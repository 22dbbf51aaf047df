/**
 * @module
 * Classifier-free guidance (Ho & Salimans 2022, arXiv 2207.12598) as ComfyUI applies it to denoised
 * predictions (`comfy/samplers.py` `cfg_function`): D = D_uncond + scale * (D_cond - D_uncond). The same
 * linear combination applied to epsilon predictions gives the identical sample.
 */
import type { Tensor } from '@momaflow/engine';
import { map2 } from './tensor-math';

/**
 * Combines an unconditional and a conditional prediction with guidance `scale` (1 = cond only).
 * @example
 * const denoised = cfgCombine(uncondDenoised, condDenoised, 7.5);
 */
export function cfgCombine(uncond: Tensor, cond: Tensor, scale: number): Tensor {
  return map2(uncond, cond, (u, c) => u + scale * (c - u));
}
