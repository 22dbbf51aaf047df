/**
 * @module
 * DPM-Solver-2 steps in sigma space (k-diffusion `sample_dpm_2`, "inspired by DPM-Solver-2 and
 * Karras et al. Alg. 2") and their ancestral variant (`sample_dpm_2_ancestral`): an Euler half-step
 * to the geometric midpoint sigma_mid = sqrt(sigma * sigma_to), a second evaluation there, and the
 * full step with the midpoint's slope. The ancestral one steps to sigma_down and adds fresh noise of
 * std sigma_up. sigma_mid and sigma_down are computed in float32 as ComfyUI does: the midpoint can
 * fall exactly between two UNet timesteps, where the rounding picks the timestep.
 */
import type { AncestralOptions } from './euler-ancestral-sampler';
import { ancestralStepF32, logMidpointF32 } from './float32-scalar';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, nextStage } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise } from './sampler-kit';
import { map2, map3 } from './tensor-math';

/** Where the step lands before noise, and the noise std added after it. */
interface Target {
  readonly to: number;
  readonly up: number;
}

function dpm2StepWith(name: string, target: (state: SamplerState) => Target, sNoise: number) {
  return (state: SamplerState, input: StepInput): SamplerState => {
    const model = requireModel(name, state, input);
    const sigma = state.levels[state.index]!;
    const { to, up } = target(state);
    const stage = state.stage;
    if (stage === null) {
      const d = map2(state.x, model, (x, d0) => (x - d0) / sigma);
      if (to === 0) {
        return finishStep(state, { x: map2(state.x, d, (x, s) => x + s * (to - sigma)), denoised: model });
      }
      const mid = logMidpointF32(sigma, to);
      const x2 = map2(state.x, d, (x, s) => x + s * (mid - sigma));
      return nextStage(state, { query: { x: x2, level: mid }, denoised: model });
    }
    const mid = stage.query.level;
    const slope = (x2: number, d2: number) => (x2 - d2) / mid;
    const dt = to - sigma;
    if (up === 0) {
      const x = map3(state.x, stage.query.x, model, (x, x2, d2) => x + slope(x2, d2) * dt);
      return finishStep(state, { x, denoised: state.denoised });
    }
    const noise = requireNoise(name, state, input);
    const withSlope = map3(state.x, stage.query.x, model, (x, x2, d2) => x + slope(x2, d2) * dt);
    const x = map2(withSlope, noise, (x, n) => x + n * sNoise * up);
    return finishStep(state, { x, denoised: state.denoised });
  };
}

/**
 * `dpm_2`: second order, deterministic, two evaluations per step (one on the last step). KSampler
 * drops the penultimate sigma for it (`DISCARD_PENULTIMATE_SIGMA_SAMPLERS`).
 * @example
 * const x = await sample({ sampler: dpm2Sampler, levels: sigmas, x: x0, denoise });
 */
export const dpm2Sampler: Sampler = kDiffusionSampler({
  name: 'dpm_2',
  step: dpm2StepWith('dpm_2', (s) => ({ to: s.levels[s.index + 1]!, up: 0 }), 1),
});

/**
 * `dpm_2_ancestral` with the given eta / s_noise (ComfyUI: 1, 1).
 * @example
 * const sampler = createDpm2AncestralSampler({ eta: 1 });
 */
export function createDpm2AncestralSampler(options: AncestralOptions = {}): Sampler {
  const { eta = 1, sNoise = 1 } = options;
  const name = 'dpm_2_ancestral';
  const target = (state: SamplerState): Target => {
    const { sigmaDown, sigmaUp } = ancestralStepF32(
      state.levels[state.index]!,
      state.levels[state.index + 1]!,
      eta,
    );
    return { to: sigmaDown, up: sigmaUp };
  };
  return kDiffusionSampler({
    name,
    // Noise goes in after the second evaluation, for the whole step's interval.
    noise: (state) =>
      state.stage !== null && target(state).up !== 0
        ? { level: state.levels[state.index]!, nextLevel: state.levels[state.index + 1]! }
        : null,
    step: dpm2StepWith(name, target, sNoise),
  });
}

/**
 * `dpm_2_ancestral` with ComfyUI's defaults.
 * @example
 * const x = await sample({ sampler: dpm2AncestralSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const dpm2AncestralSampler: Sampler = createDpm2AncestralSampler();
