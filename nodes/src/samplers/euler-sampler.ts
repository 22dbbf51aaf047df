/**
 * @module
 * Euler's method on the probability-flow ODE dx/dsigma = (x - D(x, sigma)) / sigma: k-diffusion
 * `sample_euler` with ComfyUI's defaults (s_churn = 0, so sigma_hat = sigma). ComfyUI's `ddim` is this
 * same sampler (`comfy/samplers.py` `sampler_object("ddim")` returns `ksampler("euler")`).
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { map2 } from './tensor-math';

function eulerStep(state: SamplerState, input: StepInput): SamplerState {
  const sigma = state.levels[state.index]!;
  const dt = state.levels[state.index + 1]! - sigma;
  // k-diffusion `to_d`: d = (x - denoised) / sigma; then x + d * dt.
  const x = map2(state.x, input.model, (x, d0) => x + ((x - d0) / sigma) * dt);
  return { levels: state.levels, index: state.index + 1, x, denoised: input.model };
}

function createEulerSampler(name: 'euler' | 'ddim'): Sampler {
  return {
    name,
    domain: 'sigma',
    prediction: 'denoised',
    stochastic: false,
    needsNoise: () => false,
    step: eulerStep,
  };
}

/**
 * `euler`: first-order, deterministic.
 * @example
 * const x = await sample({ sampler: eulerSampler, levels: sigmas, x: x0, denoise });
 */
export const eulerSampler: Sampler = createEulerSampler('euler');

/**
 * `ddim` as ComfyUI names it: Euler in sigma space (equivalent to DDIM with eta 0 on x / sqrt(abar)).
 * For diffusers' DDIMScheduler in timestep space use `createDdimDiffusersSampler`.
 * @example
 * const x = await sample({ sampler: ddimSampler, levels: sigmas, x: x0, denoise });
 */
export const ddimSampler: Sampler = createEulerSampler('ddim');
