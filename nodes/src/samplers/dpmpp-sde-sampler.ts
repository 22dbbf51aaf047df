/**
 * @module
 * DPM-Solver++ (stochastic, singlestep, r = 1/2): k-diffusion `sample_dpmpp_sde` for eps models, where
 * alpha = 1 and lambda = -log(sigma). Each step takes a noised first-order sub-step to sigma_s1
 * (lambda_s + r h), evaluates there, and combines both x0 estimates for the full step, adding noise
 * again; two noise draws per step: for (sigma, sigma_s1), then (sigma, sigma_next). ComfyUI's default
 * noise is a Brownian tree (brownian-tree.ts), whose increments over these intervals are correlated.
 */
import type { Tensor } from '@momaflow/engine';
import type { AncestralOptions } from './euler-ancestral-sampler';
import { ancestralStepF32, logStepLevelF32 } from './float32-scalar';
import type { NoiseInterval, Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, nextStage } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise } from './sampler-kit';
import { map2 } from './tensor-math';

/** Options of `createDpmppSdeSampler`. */
export interface DpmppSdeOptions extends AncestralOptions {
  /** Where the sub-step lands, as a fraction of the step in lambda (ComfyUI: 1/2). */
  readonly r?: number;
}

/**
 * `dpmpp_sde` with the given eta / s_noise / r (ComfyUI: 1, 1, 1/2).
 * @example
 * const sampler = createDpmppSdeSampler({ r: 0.5 });
 */
export function createDpmppSdeSampler(options: DpmppSdeOptions = {}): Sampler {
  const { eta = 1, sNoise = 1, r = 0.5 } = options;
  const name = 'dpmpp_sde';
  const noisy = eta > 0 && sNoise > 0;
  /** sigma_s1 = exp(-(lambda_s + r h)), in float32: the sub-step's evaluation level. */
  const subLevel = (sigma: number, sigmaNext: number): number => logStepLevelF32(sigma, sigmaNext, r);
  const noise = (state: SamplerState): NoiseInterval | null => {
    const level = state.levels[state.index]!;
    const next = state.levels[state.index + 1]!;
    if (!noisy || next === 0) return null;
    return { level, nextLevel: state.stage === null ? subLevel(level, next) : next };
  };
  /** The noised first-order step from x (at sigma) to `to`, with x0 estimate `d`. */
  const subStep = (state: SamplerState, input: StepInput, d: Tensor, to: number): Tensor => {
    const sigma = state.levels[state.index]!;
    const { sigmaDown, sigmaUp } = ancestralStepF32(sigma, to, eta);
    // (alpha_to / alpha_s) exp(-h_) x - alpha_to expm1(-h_) d, with h_ = log(sigma / sigma_down).
    const ratio = sigmaDown / sigma;
    const c = -Math.expm1(Math.log(ratio));
    const x = map2(state.x, d, (v, e) => ratio * v + c * e);
    if (!noisy) return x;
    const up = sNoise * sigmaUp;
    return map2(x, requireNoise(name, state, input), (v, n) => v + n * up);
  };
  return kDiffusionSampler({
    name,
    noise,
    step(state: SamplerState, input: StepInput): SamplerState {
      const model = requireModel(name, state, input);
      const sigma = state.levels[state.index]!;
      const sigmaNext = state.levels[state.index + 1]!;
      if (state.stage === null) {
        if (sigmaNext === 0) return finishStep(state, { x: model, denoised: model });
        const s1 = subLevel(sigma, sigmaNext);
        return nextStage(state, {
          query: { x: subStep(state, input, model, s1), level: s1 },
          carry: [model],
          denoised: model,
        });
      }
      const [first] = state.stage.carry;
      const fac = 1 / (2 * r);
      const combined = map2(first!, model, (d1, d2) => (1 - fac) * d1 + fac * d2);
      return finishStep(state, { x: subStep(state, input, combined, sigmaNext), denoised: state.denoised });
    },
  });
}

/**
 * `dpmpp_sde` with ComfyUI's defaults.
 * @example
 * const x = await sample({ sampler: dpmppSdeSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const dpmppSdeSampler: Sampler = createDpmppSdeSampler();
