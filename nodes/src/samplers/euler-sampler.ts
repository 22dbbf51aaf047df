/**
 * @module
 * Euler's method on the probability-flow ODE dx/dsigma = (x - D(x, sigma)) / sigma: k-diffusion
 * `sample_euler` with ComfyUI's defaults (s_churn = 0, so sigma_hat = sigma). ComfyUI's `ddim` is this
 * same sampler (`comfy/samplers.py` `sampler_object("ddim")` returns `ksampler("euler")`).
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, requireModel } from './sampler-kit';
import { map2 } from './tensor-math';

function eulerStepFor(name: string) {
  return (state: SamplerState, input: StepInput): SamplerState => {
    const model = requireModel(name, state, input);
    const sigma = state.levels[state.index]!;
    const dt = state.levels[state.index + 1]! - sigma;
    // k-diffusion `to_d`: d = (x - denoised) / sigma; then x + d * dt.
    const x = map2(state.x, model, (x, d0) => x + ((x - d0) / sigma) * dt);
    return finishStep(state, { x, denoised: model });
  };
}

/**
 * `euler`: first-order, deterministic.
 * @example
 * const x = await sample({ sampler: eulerSampler, levels: sigmas, x: x0, denoise });
 */
export const eulerSampler: Sampler = kDiffusionSampler({ name: 'euler', step: eulerStepFor('euler') });

/**
 * `ddim` as ComfyUI names it: Euler in sigma space (equivalent to DDIM with eta 0 on x / sqrt(abar)).
 * For diffusers' DDIMScheduler in timestep space use `createDdimDiffusersSampler`.
 * @example
 * const x = await sample({ sampler: ddimSampler, levels: sigmas, x: x0, denoise });
 */
export const ddimSampler: Sampler = kDiffusionSampler({ name: 'ddim', step: eulerStepFor('ddim') });
