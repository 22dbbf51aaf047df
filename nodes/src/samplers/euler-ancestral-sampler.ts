/**
 * @module
 * Ancestral Euler: k-diffusion `sample_euler_ancestral` as ComfyUI runs it. Each step goes down to
 * sigma_down with an Euler step, then adds fresh noise of std sigma_up so the marginal noise level
 * is sigma_next again (`get_ancestral_step`); the step onto sigma = 0 returns the denoised image.
 */
import { ancestralStepF32 } from './float32-scalar';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise, stepNoiseUnlessFinal } from './sampler-kit';
import { map3 } from './tensor-math';

/** Options of the ancestral samplers (`createEulerAncestralSampler`, ...). */
export interface AncestralOptions {
  /** Share of the step's noise re-injected: 0 = deterministic, 1 = DDPM-like ancestral sampling. */
  readonly eta?: number;
  /** Scale of the injected noise (`s_noise`). */
  readonly sNoise?: number;
}

/**
 * An ancestral Euler sampler with the given eta / s_noise.
 * @example
 * const sampler = createEulerAncestralSampler({ eta: 0.5 });
 */
export function createEulerAncestralSampler(options: AncestralOptions = {}): Sampler {
  const { eta = 1, sNoise = 1 } = options;
  const name = 'euler_ancestral';
  return kDiffusionSampler({
    name,
    noise: stepNoiseUnlessFinal,
    step(state: SamplerState, input: StepInput): SamplerState {
      const model = requireModel(name, state, input);
      // ComfyUI returns the denoised image on the final step instead of an Euler step to sigma 0.
      if (stepNoiseUnlessFinal(state) === null) return finishStep(state, { x: model, denoised: model });
      const noise = requireNoise(name, state, input);
      const sigma = state.levels[state.index]!;
      const { sigmaDown, sigmaUp } = ancestralStepF32(sigma, state.levels[state.index + 1]!, eta);
      const dt = sigmaDown - sigma;
      const up = sNoise * sigmaUp;
      const x = map3(state.x, model, noise, (x, d0, n) => x + ((x - d0) / sigma) * dt + n * up);
      return finishStep(state, { x, denoised: model });
    },
  });
}

/**
 * `euler_ancestral` with ComfyUI's defaults (eta 1, s_noise 1).
 * @example
 * const x = await sample({ sampler: eulerAncestralSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const eulerAncestralSampler: Sampler = createEulerAncestralSampler();
