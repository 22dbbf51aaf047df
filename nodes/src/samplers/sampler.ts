/**
 * @module
 * The `Sampler` interface: a solver as pure functions of an immutable state. A sampler keeps no hidden
 * step counter (diffusers issues #3672, #5749: a shared scheduler's `_step_index` broke concurrent
 * requests); everything a step needs travels in the state, so one sampler value serves any number of
 * runs at once. `sample` (sample.ts) drives the loop.
 *
 * A step may need several model evaluations (Heun, DPM-2, DPM-Solver++ SDE: two) or none (UniPC's
 * last step, which is a predictor only), at points other than the current sample (UniPC evaluates
 * its predicted sample and corrects afterwards). So the loop asks the sampler where to evaluate
 * (`query`), which noise the next call consumes (`noise`), then calls `step` once per evaluation:
 * a call that does not finish the step returns the same `index` with a `stage` saying where the next
 * evaluation goes.
 */
import type { Tensor } from '@momaflow/engine';

/**
 * The coordinate the denoiser is called with: `sigma` (k-diffusion: x lives in sigma space, x = x0 +
 * sigma * eps) or `timestep` (diffusers DDIM: x is the unscaled x_t and the level an integer t).
 */
export type NoiseLevelDomain = 'sigma' | 'timestep';

/** What the denoiser returns: `denoised` = predicted x0 (k-diffusion `model(x, sigma)`), `epsilon` = noise. */
export type ModelPrediction = 'denoised' | 'epsilon';

/** Where a model evaluation happens. */
export interface ModelQuery {
  readonly x: Tensor;
  readonly level: number;
}

/** The interval of a k-diffusion `noise_sampler(sigma, sigma_next)` call. */
export interface NoiseInterval {
  readonly level: number;
  readonly nextLevel: number;
}

/** An unfinished step: what it computed so far and where its next model evaluation goes. */
export interface StepStage {
  /** The next evaluation of the step: 1 for the second. */
  readonly index: number;
  readonly query: ModelQuery;
  /** Tensors the step carries between its evaluations (Heun's first slope, ...). */
  readonly carry: readonly Tensor[];
}

/** Everything a step reads and writes. Steps return a new state and never mutate the old one. */
export interface SamplerState {
  /** Noise levels, one per step plus the level the last step lands on (sigmas end in 0). */
  readonly levels: readonly number[];
  /** Number of steps taken so far; the next step goes from levels[index] to levels[index + 1]. */
  readonly index: number;
  /** The sample at levels[index]. */
  readonly x: Tensor;
  /** The latest x0 estimate (previews), null before the first evaluation. */
  readonly denoised: Tensor | null;
  /** What a multistep sampler remembers of earlier steps (model outputs or slopes), oldest first. */
  readonly history: readonly Tensor[];
  /** The step in progress, or null between steps. */
  readonly stage: StepStage | null;
}

/** What one `step` call consumes besides the state. */
export interface StepInput {
  /** The denoiser's output at `query(state)`, of the kind `prediction` names; null when there was no query. */
  readonly model: Tensor | null;
  /** Standard-normal noise shaped like x when `noise(state)` asked for it, otherwise null. */
  readonly noise: Tensor | null;
}

/**
 * One solver. The k-diffusion ones (sigma domain, `denoised` prediction) are listed in `K_SAMPLERS`;
 * `createDdimDiffusersSampler` is diffusers' DDIM in the timestep domain.
 * @example
 * let state = initialSamplerState({ levels: sigmas, x });
 * const at = eulerSampler.query(state)!;
 * state = eulerSampler.step(state, { model: await denoise(at.x, at.level, state.index), noise: null });
 */
export interface Sampler {
  /** ComfyUI sampler name (`euler`, `dpmpp_2m`, ...), or `ddim_diffusers`. */
  readonly name: string;
  readonly domain: NoiseLevelDomain;
  readonly prediction: ModelPrediction;
  /** Whether the sampler ever draws noise; a noise source is then required. */
  readonly stochastic: boolean;
  /** Where the next `step` call needs the model, or null when it needs none. */
  query(state: SamplerState): ModelQuery | null;
  /** The noise the next `step` call consumes, or null. */
  noise(state: SamplerState): NoiseInterval | null;
  /** Consumes one evaluation: finishes the step (index + 1) or moves it to its next stage. */
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
  return {
    levels: Array.from(options.levels),
    index: 0,
    x: options.x,
    denoised: null,
    history: [],
    stage: null,
  };
}

/**
 * The usual query: the stage's point inside a step, else the current sample at its level.
 * @example
 * const sampler = { ..., query: stageOrCurrentQuery };
 */
export function stageOrCurrentQuery(state: SamplerState): ModelQuery {
  return state.stage?.query ?? { x: state.x, level: state.levels[state.index]! };
}

/** Options of `finishStep`. */
export interface FinishStepOptions {
  readonly x: Tensor;
  readonly denoised: Tensor | null;
  /** The new history; the old one is kept when omitted. */
  readonly history?: readonly Tensor[];
}

/**
 * The state after the current step: index + 1, no stage.
 * @example
 * return finishStep(state, { x, denoised: input.model });
 */
export function finishStep(state: SamplerState, o: FinishStepOptions): SamplerState {
  return {
    levels: state.levels,
    index: state.index + 1,
    x: o.x,
    denoised: o.denoised,
    history: o.history ?? state.history,
    stage: null,
  };
}

/**
 * The state with the current step moved on to its next evaluation at `query`.
 * @example
 * return nextStage(state, { query: { x: x2, level: sigmaNext }, carry: [d], denoised: input.model });
 */
export function nextStage(
  state: SamplerState,
  o: { readonly query: ModelQuery; readonly carry?: readonly Tensor[]; readonly denoised: Tensor | null },
): SamplerState {
  return {
    ...state,
    denoised: o.denoised ?? state.denoised,
    stage: { index: (state.stage?.index ?? 0) + 1, query: o.query, carry: o.carry ?? [] },
  };
}

/** The history with `t` appended, keeping at most `keep` entries (the newest). */
export function pushHistory(history: readonly Tensor[], t: Tensor, keep: number): readonly Tensor[] {
  return [...history, t].slice(-keep);
}
