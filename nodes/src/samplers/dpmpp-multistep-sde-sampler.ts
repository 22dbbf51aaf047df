/**
 * @module
 * DPM-Solver++(2M) SDE and (3M) SDE (Lu et al. 2022, arXiv 2211.01095; Gonzalez's 3M SDE in
 * k-diffusion): `sample_dpmpp_2m_sde` (midpoint or heun correction) and `sample_dpmpp_3m_sde` for eps
 * models (alpha = 1, lambda = -log(sigma)). One evaluation per step; the exponential-integrator step
 * with eta-damped noise, corrected with the differences of the last two or three x0 estimates
 * (`history`); the step onto sigma = 0 returns the denoised sample.
 */
import type { AncestralOptions } from './euler-ancestral-sampler';
import type { Sampler, SamplerState, StepInput } from './sampler';
import { finishStep, pushHistory } from './sampler';
import { kDiffusionSampler, requireModel, requireNoise, stepNoiseUnlessFinal } from './sampler-kit';
import { map2, map3 } from './tensor-math';

/** The multistep correction: `midpoint`/`heun` (2M, ComfyUI's `dpmpp_2m_sde` / `_heun`) or `3m`. */
export type MultistepSdeSolver = 'midpoint' | 'heun' | '3m';

/** Options of `createDpmppMultistepSdeSampler`. */
export interface DpmppMultistepSdeOptions extends AncestralOptions {
  readonly solver: MultistepSdeSolver;
  /** ComfyUI's name for the variant. */
  readonly name: string;
}

/** lambda_{i} - lambda_{i-1} = log(sigma_{i-1} / sigma_i): the step size of an earlier step. */
const stepSize = (levels: readonly number[], i: number): number => Math.log(levels[i - 1]! / levels[i]!);

/**
 * A multistep DPM-Solver++ SDE sampler.
 * @example
 * const sampler = createDpmppMultistepSdeSampler({ name: 'dpmpp_2m_sde', solver: 'midpoint' });
 */
export function createDpmppMultistepSdeSampler(options: DpmppMultistepSdeOptions): Sampler {
  const { eta = 1, sNoise = 1, solver, name } = options;
  const noisy = eta > 0 && sNoise > 0;
  const keep = solver === '3m' ? 2 : 1;
  return kDiffusionSampler({
    name,
    noise: (state) => (noisy ? stepNoiseUnlessFinal(state) : null),
    step(state: SamplerState, input: StepInput): SamplerState {
      const denoised = requireModel(name, state, input);
      const i = state.index;
      const sigma = state.levels[i]!;
      const sigmaNext = state.levels[i + 1]!;
      const history = pushHistory(state.history, denoised, keep);
      if (sigmaNext === 0) return finishStep(state, { x: denoised, denoised, history });
      const h = Math.log(sigma / sigmaNext);
      const hEta = h * (eta + 1);
      const phi1 = -Math.expm1(-hEta);
      let x = map2(state.x, denoised, (v, d) => (sigmaNext / sigma) * Math.exp(-h * eta) * v + phi1 * d);
      const [older, old] = state.history.length === 2 ? state.history : [undefined, state.history[0]];
      if (solver === '3m' && older !== undefined && old !== undefined) {
        const r0 = stepSize(state.levels, i) / h;
        const r1 = stepSize(state.levels, i - 1) / h;
        const phi2 = Math.expm1(-hEta) / hEta + 1;
        const phi3 = phi2 / hEta - 0.5;
        const d1 = map3(denoised, old, older, (d, o1, o2) => {
          const d10 = (d - o1) / r0;
          const d11 = (o1 - o2) / r1;
          return phi2 * (d10 + ((d10 - d11) * r0) / (r0 + r1)) - phi3 * ((d10 - d11) / (r0 + r1));
        });
        x = map2(x, d1, (v, c) => v + c);
      } else if (old !== undefined) {
        const r = stepSize(state.levels, i) / h;
        const coef =
          solver === 'midpoint'
            ? 0.5 * phi1
            : solver === 'heun'
              ? phi1 / -hEta + 1
              : Math.expm1(-hEta) / hEta + 1;
        x = map3(x, denoised, old, (v, d, o) => v + coef * (1 / r) * (d - o));
      }
      if (noisy) {
        const scale = sigmaNext * Math.sqrt(-Math.expm1(-2 * h * eta)) * sNoise;
        x = map2(x, requireNoise(name, state, input), (v, n) => v + n * scale);
      }
      return finishStep(state, { x, denoised, history });
    },
  });
}

/**
 * `dpmpp_2m_sde` (midpoint) with ComfyUI's defaults.
 * @example
 * const x = await sample({ sampler: dpmpp2mSdeSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const dpmpp2mSdeSampler: Sampler = createDpmppMultistepSdeSampler({
  name: 'dpmpp_2m_sde',
  solver: 'midpoint',
});

/**
 * `dpmpp_2m_sde_heun` with ComfyUI's defaults.
 * @example
 * const x = await sample({ sampler: dpmpp2mSdeHeunSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const dpmpp2mSdeHeunSampler: Sampler = createDpmppMultistepSdeSampler({
  name: 'dpmpp_2m_sde_heun',
  solver: 'heun',
});

/**
 * `dpmpp_3m_sde` with ComfyUI's defaults.
 * @example
 * const x = await sample({ sampler: dpmpp3mSdeSampler, levels: sigmas, x: x0, denoise, noiseSource });
 */
export const dpmpp3mSdeSampler: Sampler = createDpmppMultistepSdeSampler({
  name: 'dpmpp_3m_sde',
  solver: '3m',
});
