/**
 * @module
 * Building blocks of the k-diffusion samplers (private to this folder): the input checks every step
 * makes, and `kDiffusionSampler`, which fills in the parts most samplers share (sigma domain, x0
 * prediction, a query at the stage point or the current sample).
 */
import { EngineError, type Tensor } from '@momaflow/engine';
import {
  type NoiseInterval,
  pushHistory,
  type Sampler,
  type SamplerState,
  type StepInput,
  stageOrCurrentQuery,
} from './sampler';
import { map2 } from './tensor-math';

/** The step's model output, or EngineError `model_missing` naming the sampler. */
export function requireModel(name: string, state: SamplerState, input: StepInput): Tensor {
  if (input.model === null) {
    throw new EngineError('model_missing', `${name} step ${state.index} needs a model evaluation`);
  }
  return input.model;
}

/** The step's noise, or EngineError `noise_missing` naming the sampler. */
export function requireNoise(name: string, state: SamplerState, input: StepInput): Tensor {
  if (input.noise === null) {
    throw new EngineError('noise_missing', `${name} step ${state.index} needs noise`);
  }
  return input.noise;
}

/** The interval (levels[index], levels[index + 1]) when the step lands above 0, else null. */
export function stepNoiseUnlessFinal(state: SamplerState): NoiseInterval | null {
  const nextLevel = state.levels[state.index + 1]!;
  return nextLevel > 0 ? { level: state.levels[state.index]!, nextLevel } : null;
}

/** What differs between k-diffusion samplers. */
export interface KDiffusionSpec {
  readonly name: string;
  /** Default: deterministic (no noise ever). */
  readonly noise?: (state: SamplerState) => NoiseInterval | null;
  /** Default: the stage's point, else the current sample at its level. */
  readonly query?: Sampler['query'];
  readonly step: (state: SamplerState, input: StepInput) => SamplerState;
}

/**
 * A sigma-domain, x0-predicting sampler; `stochastic` follows from whether it has a `noise` function.
 * @example
 * export const eulerSampler = kDiffusionSampler({ name: 'euler', step: eulerStep });
 */
export function kDiffusionSampler(spec: KDiffusionSpec): Sampler {
  return {
    name: spec.name,
    domain: 'sigma',
    prediction: 'denoised',
    stochastic: spec.noise !== undefined,
    query: spec.query ?? stageOrCurrentQuery,
    noise: spec.noise ?? (() => null),
    step: spec.step,
  };
}

/** What a multistep step on slopes starts from. */
export interface SlopeStep {
  readonly model: Tensor;
  readonly sigma: number;
  readonly sigmaNext: number;
  /** d = (x - D) / sigma, k-diffusion's `to_d`. */
  readonly slope: Tensor;
  /** The history with this step's slope appended, at most `keep` long. */
  readonly history: readonly Tensor[];
}

/**
 * The common start of the slope-based multistep samplers (lms, ipndm, deis).
 * @example
 * const { model, slope, history } = slopeStep('lms', state, input, 4);
 */
export function slopeStep(name: string, state: SamplerState, input: StepInput, keep: number): SlopeStep {
  const model = requireModel(name, state, input);
  const sigma = state.levels[state.index]!;
  const slope = map2(state.x, model, (x, d0) => (x - d0) / sigma);
  return {
    model,
    sigma,
    sigmaNext: state.levels[state.index + 1]!,
    slope,
    history: pushHistory(state.history, slope, keep),
  };
}
