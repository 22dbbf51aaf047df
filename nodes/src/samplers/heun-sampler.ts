/**
 * @module
 * Heun's method (Karras et al. 2022, arXiv 2206.00364, Alg. 2) on the probability-flow ODE:
 * k-diffusion `sample_heun` with ComfyUI's defaults (s_churn = 0). An Euler step to sigma_next, a
 * second evaluation there, and the average of both slopes; the step onto sigma = 0 stays Euler.
 */
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, nextStage } from './sampler';
import { kDiffusionSampler, requireModel } from './sampler-kit';
import { map2, map3 } from './tensor-math';

const NAME = 'heun';

function heunStep(state: SamplerState, input: StepInput): SamplerState {
  const model = requireModel(NAME, state, input);
  const sigma = state.levels[state.index]!;
  const sigmaNext = state.levels[state.index + 1]!;
  const dt = sigmaNext - sigma;
  const stage = state.stage;
  if (stage === null) {
    const d = map2(state.x, model, (x, d0) => (x - d0) / sigma);
    const x2 = map2(state.x, d, (x, s) => x + s * dt);
    if (sigmaNext === 0) return finishStep(state, { x: x2, denoised: model });
    return nextStage(state, { query: { x: x2, level: sigmaNext }, carry: [d], denoised: model });
  }
  const [d] = stage.carry;
  // d' = (d + d2) / 2 with d2 the slope at (x2, sigma_next).
  const slope2 = map2(stage.query.x, model, (x2, d2) => (x2 - d2) / sigmaNext);
  const x = map3(state.x, d!, slope2, (x, s1, s2) => x + ((s1 + s2) / 2) * dt);
  return finishStep(state, { x, denoised: state.denoised });
}

/**
 * `heun`: second order, two model evaluations per step (one on the last step).
 * @example
 * const x = await sample({ sampler: heunSampler, levels: sigmas, x: x0, denoise });
 */
export const heunSampler: Sampler = kDiffusionSampler({ name: NAME, step: heunStep });
