/**
 * @module
 * Ancestral DPM-Solver++(2S) (Lu et al. 2022, arXiv 2211.01095, Alg. 1 singlestep, r = 1/2):
 * k-diffusion `sample_dpmpp_2s_ancestral`. Each step solves the ODE from sigma to sigma_down in
 * t = -log(sigma) with a second evaluation at the midpoint, then adds noise of std sigma_up; the
 * step onto sigma = 0 is Euler. The midpoint's sigma is computed in float32, as ComfyUI does.
 */
import type { AncestralOptions } from './euler-ancestral-sampler';
import { ancestralStepF32, logStepLevelF32 } from './float32-scalar';
import type { NoiseInterval, Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, nextStage } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise } from './sampler-kit';
import { map2 } from './tensor-math';

/**
 * `dpmpp_2s_ancestral` with the given eta / s_noise (ComfyUI: 1, 1).
 * @example
 * const sampler = createDpmpp2sAncestralSampler({ eta: 1 });
 */
export function createDpmpp2sAncestralSampler(options: AncestralOptions = {}): Sampler {
  const { eta = 1, sNoise = 1 } = options;
  const name = 'dpmpp_2s_ancestral';
  const split = (state: SamplerState) =>
    ancestralStepF32(state.levels[state.index]!, state.levels[state.index + 1]!, eta);
  /** Noise closes the step when it lands above 0: after the Euler step, or after the second evaluation. */
  const noise = (state: SamplerState): NoiseInterval | null => {
    const nextLevel = state.levels[state.index + 1]!;
    if (!(nextLevel > 0)) return null;
    const isLastEvaluation = state.stage !== null || split(state).sigmaDown === 0;
    return isLastEvaluation ? { level: state.levels[state.index]!, nextLevel } : null;
  };
  const addNoise = (state: SamplerState, input: StepInput, x: ReturnType<typeof map2>) => {
    if (noise(state) === null) return x;
    const up = sNoise * split(state).sigmaUp;
    return map2(x, requireNoise(name, state, input), (v, n) => v + n * up);
  };
  return kDiffusionSampler({
    name,
    noise,
    step(state: SamplerState, input: StepInput): SamplerState {
      const model = requireModel(name, state, input);
      const sigma = state.levels[state.index]!;
      const { sigmaDown } = split(state);
      if (state.stage === null) {
        if (sigmaDown === 0) {
          const euler = map2(state.x, model, (x, d0) => x + ((x - d0) / sigma) * (sigmaDown - sigma));
          return finishStep(state, { x: addNoise(state, input, euler), denoised: model });
        }
        const sigmaS = logStepLevelF32(sigma, sigmaDown, 0.5);
        const ratio = sigmaS / sigma;
        const c = -Math.expm1(Math.log(ratio));
        const x2 = map2(state.x, model, (x, d) => ratio * x + c * d);
        return nextStage(state, { query: { x: x2, level: sigmaS }, denoised: model });
      }
      const h = Math.log(sigma) - Math.log(sigmaDown);
      const ratio = sigmaDown / sigma;
      const c = -Math.expm1(-h);
      const x = map2(state.x, model, (x, d2) => ratio * x + c * d2);
      return finishStep(state, { x: addNoise(state, input, x), denoised: state.denoised });
    },
  });
}

/**
 * `dpmpp_2s_ancestral` with ComfyUI's defaults.
 * @example
 * const x = await sample({ sampler: dpmpp2sAncestralSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const dpmpp2sAncestralSampler: Sampler = createDpmpp2sAncestralSampler();
