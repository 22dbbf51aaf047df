/**
 * @module
 * The one sampling loop every `Sampler` runs: ask the sampler where to evaluate, call the denoiser
 * there, draw noise when the step wants it, apply the pure step, and report progress each time a
 * step finishes. The AbortSignal is checked before and after every model call, so an interrupted run
 * stops within one evaluation and never starts another.
 */
import type { Tensor } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
import type { Sampler } from './sampler';
import { initialSamplerState } from './sampler';

/**
 * The model as the sampler sees it: for `domain: 'sigma'` it gets x in sigma space and sigma and returns
 * the denoised x0 (CFG already applied; see `cfgCombine`, `scaleModelInput`); for `domain: 'timestep'`
 * it gets x_t and an integer timestep and returns the predicted noise.
 */
export type Denoiser = (x: Tensor, level: number, stepIndex: number) => Promise<Tensor>;

/** What a `NoiseSource` is asked for: k-diffusion's `noise_sampler(sigma, sigma_next)`. */
export interface NoiseRequest {
  readonly shape: readonly number[];
  readonly stepIndex: number;
  /** Start of the interval the noise is for (the step's level). */
  readonly level: number;
  /** End of the interval (the level the step or its sub-step lands on). */
  readonly nextLevel: number;
}

/** Supplies standard-normal noise per step (k-diffusion `noise_sampler(sigma, sigma_next)`). */
export type NoiseSource = (request: NoiseRequest) => Tensor;

/** Reported once after each step. */
export interface StepProgress {
  /** Index of the step just taken, from 0. */
  readonly stepIndex: number;
  readonly steps: number;
  /** Noise level the step started from. */
  readonly level: number;
  /** The sample after the step. */
  readonly x: Tensor;
  /** The step's x0 estimate, for previews. */
  readonly denoised: Tensor;
}

/** Options of `sample`. */
export interface SampleOptions {
  readonly sampler: Sampler;
  /** Noise levels in the sampler's domain: steps + 1 values (sigmas ending in 0, or DDIM timesteps). */
  readonly levels: ArrayLike<number>;
  /** The starting sample, already noised (`initialLatent`; plain noise for diffusers DDIM). */
  readonly x: Tensor;
  readonly denoise: Denoiser;
  /** Required when `sampler.stochastic`; called in the order the sampler consumes noise. */
  readonly noiseSource?: NoiseSource;
  readonly signal?: AbortSignal;
  readonly onStep?: (progress: StepProgress) => void;
}

/**
 * Runs `sampler` over all levels and resolves with the final sample. If the signal is aborted before
 * that, rejects with its reason (an `AbortError` DOMException unless the caller gave one) without
 * starting another model call.
 * @example
 * const latent = await sample({
 *   sampler: eulerSampler,
 *   levels: calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 20 }),
 *   x: initialLatent({ noise, sigmas, sigmaMax: SD1_SCHEDULE.sigmaMax }),
 *   denoise: (x, sigma) => denoiseWithCfg(x, sigma),
 *   signal,
 *   onStep: ({ stepIndex, steps }) => progress(stepIndex + 1, steps),
 * });
 */
export async function sample(options: SampleOptions): Promise<Tensor> {
  const { sampler, denoise, noiseSource, signal, onStep } = options;
  let state = initialSamplerState({ levels: options.levels, x: options.x });
  const steps = Math.max(0, state.levels.length - 1);
  if (sampler.stochastic && steps > 0 && noiseSource === undefined) {
    throw new EngineError('noise_source_missing', `sampler '${sampler.name}' needs a noiseSource`);
  }
  while (state.index < steps) {
    const i = state.index;
    signal?.throwIfAborted();
    const at = sampler.query(state);
    const model = at === null ? null : await denoise(at.x, at.level, i);
    signal?.throwIfAborted();
    const interval = noiseSource === undefined ? null : sampler.noise(state);
    const noise =
      interval === null || noiseSource === undefined
        ? null
        : noiseSource({ shape: state.x.shape, stepIndex: i, ...interval });
    state = sampler.step(state, { model, noise });
    if (state.index !== i) {
      const denoised = state.denoised ?? model ?? state.x;
      onStep?.({ stepIndex: i, steps, level: state.levels[i]!, x: state.x, denoised });
    }
  }
  // An abort that arrives during the last progress report still wins: the caller asked to stop.
  signal?.throwIfAborted();
  return state.x;
}
