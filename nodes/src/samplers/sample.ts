/**
 * @module
 * The one sampling loop every `Sampler` runs: call the denoiser, draw noise when the step wants it,
 * apply the pure step, report progress. The AbortSignal is checked before and after every model call,
 * so an interrupted run stops within one step and never starts another model evaluation.
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

/** What a `NoiseSource` is asked for before an ancestral step. */
export interface NoiseRequest {
  readonly shape: readonly number[];
  readonly stepIndex: number;
  /** Noise level the step starts from. */
  readonly level: number;
  /** Noise level the step lands on. */
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
  /** Required when `sampler.stochastic`. */
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
  for (let i = 0; i < steps; i++) {
    signal?.throwIfAborted();
    const level = state.levels[i]!;
    const model = await denoise(state.x, level, i);
    signal?.throwIfAborted();
    const noise =
      noiseSource !== undefined && sampler.needsNoise(state)
        ? noiseSource({ shape: state.x.shape, stepIndex: i, level, nextLevel: state.levels[i + 1]! })
        : null;
    state = sampler.step(state, { model, noise });
    onStep?.({ stepIndex: i, steps, level, x: state.x, denoised: state.denoised ?? model });
  }
  // An abort that arrives during the last progress report still wins: the caller asked to stop.
  signal?.throwIfAborted();
  return state.x;
}
