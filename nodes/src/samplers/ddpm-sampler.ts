/**
 * @module
 * Ancestral DDPM (Ho et al. 2020, arXiv 2006.11239, Alg. 2) on arbitrary sigmas: k-diffusion
 * `sample_ddpm` / `DDPMSampler_step` as ComfyUI runs it. The step works on the variance-preserving
 * x / sqrt(1 + sigma^2) with abar = 1 / (1 + sigma^2): the posterior mean of x_{t-1} given the noise
 * estimate, plus the posterior std times fresh noise, scaled back to sigma space.
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise, stepNoiseUnlessFinal } from './sampler-kit';
import { map2 } from './tensor-math';

const NAME = 'ddpm';

function ddpmStep(state: SamplerState, input: StepInput): SamplerState {
  const denoised = requireModel(NAME, state, input);
  const sigma = state.levels[state.index]!;
  const sigmaNext = state.levels[state.index + 1]!;
  const abar = 1 / (sigma * sigma + 1);
  const abarPrev = 1 / (sigmaNext * sigmaNext + 1);
  const alpha = abar / abarPrev;
  const inScale = 1 / Math.sqrt(1 + sigma * sigma);
  const epsScale = (1 - alpha) / Math.sqrt(1 - abar);
  const meanScale = Math.sqrt(1 / alpha);
  // mu = sqrt(1 / alpha) (x_vp - (1 - alpha) eps / sqrt(1 - abar)), eps = (x - D) / sigma.
  const mu = map2(state.x, denoised, (x, d) => meanScale * (x * inScale - (epsScale * (x - d)) / sigma));
  if (!(sigmaNext > 0)) return finishStep(state, { x: mu, denoised });
  const std = Math.sqrt(((1 - alpha) * (1 - abarPrev)) / (1 - abar));
  const outScale = Math.sqrt(1 + sigmaNext * sigmaNext);
  const x = map2(mu, requireNoise(NAME, state, input), (m, n) => (m + std * n) * outScale);
  return finishStep(state, { x, denoised });
}

/**
 * `ddpm`: one evaluation and one noise draw per step.
 * @example
 * const x = await sample({ sampler: ddpmSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const ddpmSampler: Sampler = kDiffusionSampler({
  name: NAME,
  noise: stepNoiseUnlessFinal,
  step: ddpmStep,
});
