/**
 * @module
 * The `Sampler` interface: one solver step as a pure function `step(state, input) -> state`. A sampler
 * keeps no hidden step counter (diffusers issues #3672, #5749: a shared scheduler's `_step_index` broke
 * concurrent requests); everything a step needs travels in the immutable state, so one sampler value
 * serves any number of runs at once. `sample` (sample.ts) drives the loop.
 */
import type { Tensor } from '@momaflow/engine';

/**
 * The coordinate the denoiser is called with: `sigma` (k-diffusion: x lives in sigma space, x = x0 +
 * sigma * eps) or `timestep` (diffusers DDIM: x is the unscaled x_t and the level an integer t).
 */
export type NoiseLevelDomain = 'sigma' | 'timestep';

/** What the denoiser returns: `denoised` = predicted x0 (k-diffusion `model(x, sigma)`), `epsilon` = noise. */
export type ModelPrediction = 'denoised' | 'epsilon';

/** Everything a step reads and writes. Steps return a new state and never mutate the old one. */
export interface SamplerState {
  /** Noise levels, one per step plus the level the last step lands on (sigmas end in 0). */
  readonly levels: readonly number[];
  /** Number of steps taken so far; the next step goes from levels[index] to levels[index + 1]. */
  readonly index: number;
  /** The current sample. */
  readonly x: Tensor;
  /** The x0 estimate of the previous step (dpmpp_2m's `old_denoised`; previews), null before step 0. */
  readonly denoised: Tensor | null;
}

/** What one step consumes besides the state. */
export interface StepInput {
  /** The denoiser's output at (state.x, levels[index]), of the kind the sampler's `prediction` names. */
  readonly model: Tensor;
  /** Fresh standard-normal noise shaped like x when `needsNoise(state)`, otherwise null. */
  readonly noise: Tensor | null;
}

/**
 * One solver. Implementations: `eulerSampler`, `eulerAncestralSampler`, `dpmpp2mSampler`, `ddimSampler`
 * (k-diffusion, sigma domain) and `createDdimDiffusersSampler` (diffusers DDIM, timestep domain).
 * @example
 * let state = initialSamplerState({ levels: sigmas, x });
 * const denoised = await denoise(state.x, state.levels[state.index]!, state.index);
 * state = eulerSampler.step(state, { model: denoised, noise: null });
 */
export interface Sampler {
  /** ComfyUI sampler name (`euler`, `dpmpp_2m`, ...), or `ddim_diffusers`. */
  readonly name: string;
  readonly domain: NoiseLevelDomain;
  readonly prediction: ModelPrediction;
  /** Whether the sampler ever draws noise (ancestral samplers); a noise source is then required. */
  readonly stochastic: boolean;
  /** Whether the next step of this state consumes noise. */
  needsNoise(state: SamplerState): boolean;
  /** Takes one step: levels[index] -> levels[index + 1]. */
  step(state: SamplerState, input: StepInput): SamplerState;
}

/** Options of `initialSamplerState`. */
export interface InitialStateOptions {
  readonly levels: ArrayLike<number>;
  /** The starting sample, already noised (see `initialLatent`). */
  readonly x: Tensor;
}

/**
 * The state before the first step.
 * @example
 * const state = initialSamplerState({ levels: calculateSigmas({ schedule, scheduler: 'karras', steps: 20 }), x });
 */
export function initialSamplerState(options: InitialStateOptions): SamplerState {
  return { levels: Array.from(options.levels), index: 0, x: options.x, denoised: null };
}
