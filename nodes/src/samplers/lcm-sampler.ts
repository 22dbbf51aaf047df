/**
 * @module
 * Latent Consistency Model sampling (Luo et al. 2023, arXiv 2310.04378): k-diffusion `sample_lcm` as
 * ComfyUI runs it. Each step jumps to the model's x0 estimate and, unless it is the last, re-noises
 * it to sigma_next with fresh noise (`noise_scaling`: x0 + sigma_next * noise).
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise, stepNoiseUnlessFinal } from './sampler-kit';
import { map2 } from './tensor-math';

const NAME = 'lcm';

function lcmStep(state: SamplerState, input: StepInput): SamplerState {
  const denoised = requireModel(NAME, state, input);
  const sigmaNext = state.levels[state.index + 1]!;
  if (!(sigmaNext > 0)) return finishStep(state, { x: denoised, denoised });
  const x = map2(denoised, requireNoise(NAME, state, input), (d, n) => d + sigmaNext * n);
  return finishStep(state, { x, denoised });
}

/**
 * `lcm`: one evaluation and one noise draw per step.
 * @example
 * const x = await sample({ sampler: lcmSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const lcmSampler: Sampler = kDiffusionSampler({
  name: NAME,
  noise: stepNoiseUnlessFinal,
  step: lcmStep,
});
