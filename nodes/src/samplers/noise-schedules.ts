/**
 * @module
 * Sigma schedules with ComfyUI / k-diffusion semantics (`comfy/samplers.py` `calculate_sigmas`): each
 * turns a step count into a descending list of sigmas ending in a trailing 0, read from one
 * `DiscreteSchedule`. Returned as float32, as ComfyUI returns `torch.FloatTensor`.
 */
import { EngineError } from '@momaflow/engine';
import { betaSigmas } from './beta-schedule';
import type { DiscreteSchedule } from './discrete-schedule';
import { sigmaToTimestep, tToSigma } from './discrete-schedule';
import {
  exponentialSigmas,
  karrasSigmas,
  klOptimalSigmas,
  linearQuadraticSigmas,
  type SigmaRange,
} from './range-schedules';
import { linspaceF32 } from './torch-linspace';

/**
 * Scheduler names, spelled and ordered as ComfyUI's `SCHEDULER_NAMES` (KSampler's `scheduler` list).
 */
export const SCHEDULER_NAMES = [
  'simple',
  'sgm_uniform',
  'karras',
  'exponential',
  'ddim_uniform',
  'beta',
  'normal',
  'linear_quadratic',
  'kl_optimal',
] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** Computes the sigmas for `steps` sampler steps from a model's discrete schedule. */
export type Scheduler = (schedule: DiscreteSchedule, steps: number) => Float32Array;

function assertSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new EngineError('invalid_steps', `'steps' must be an integer >= 1, got ${steps}`, { steps });
  }
}

/**
 * ComfyUI `normal_scheduler`: timesteps evenly spaced (float32 `torch.linspace`) from t(sigmaMax) down
 * to t(sigmaMin), each mapped to sigma by log-linear interpolation, then a trailing 0.
 * @example
 * normalSigmas(SD1_SCHEDULE, 6); // [14.61, 7.04, 3.78, 2.06, 1.04, 0.029, 0]
 */
export function normalSigmas(schedule: DiscreteSchedule, steps: number): Float32Array {
  assertSteps(steps);
  const start = sigmaToTimestep(schedule, schedule.sigmaMax);
  const end = sigmaToTimestep(schedule, schedule.sigmaMin);
  // Schedules whose last sigma is already ~0 (zero-terminal-SNR models) spend that point as a step.
  const endsAtZero = Math.abs(tToSigma(schedule, end)) <= 1e-5;
  const ts = linspaceF32(start, end, endsAtZero ? steps + 1 : steps);
  const sigmas = ts.map((t) => tToSigma(schedule, t));
  return Float32Array.from(endsAtZero ? sigmas : [...sigmas, 0]);
}

/**
 * ComfyUI `sgm_uniform` (`normal_scheduler(sgm=True)`): steps + 1 evenly spaced timesteps from
 * t(sigmaMax) to t(sigmaMin) without the last, each mapped to sigma, then a trailing 0.
 * @example
 * sgmUniformSigmas(SD1_SCHEDULE, 4); // sigmas at t = 999, 749.25, 499.5, 249.75, then 0
 */
export function sgmUniformSigmas(schedule: DiscreteSchedule, steps: number): Float32Array {
  assertSteps(steps);
  const start = sigmaToTimestep(schedule, schedule.sigmaMax);
  const end = sigmaToTimestep(schedule, schedule.sigmaMin);
  const ts = linspaceF32(start, end, steps + 1).slice(0, -1);
  return Float32Array.from([...ts.map((t) => tToSigma(schedule, t)), 0]);
}

/**
 * ComfyUI `simple_scheduler`: every (T/steps)-th training sigma counted from the top, then a trailing 0.
 * @example
 * simpleSigmas(SD1_SCHEDULE, 4); // [sigmas[999], sigmas[749], sigmas[499], sigmas[249], 0]
 */
export function simpleSigmas(schedule: DiscreteSchedule, steps: number): Float32Array {
  assertSteps(steps);
  const n = schedule.sigmas.length;
  const stride = n / steps;
  const out = new Float32Array(steps + 1);
  for (let i = 0; i < steps; i++) out[i] = schedule.sigmas[n - 1 - Math.trunc(i * stride)]!;
  return out;
}

/**
 * ComfyUI `ddim_scheduler` (`ddim_uniform`): training sigmas at t = 1, 1 + k, 1 + 2k, ... (k = floor(T /
 * steps)), reversed, with a trailing 0. Like ComfyUI, this yields ceil((T - 1) / k) sigmas before the 0,
 * which is more than `steps` when T is not a multiple of `steps` (6 steps -> 7 model calls).
 * @example
 * ddimUniformSigmas(SD1_SCHEDULE, 20).length; // 21
 */
export function ddimUniformSigmas(schedule: DiscreteSchedule, steps: number): Float32Array {
  assertSteps(steps);
  const all = schedule.sigmas;
  let count = steps;
  let head: number[] = [0];
  if (Math.abs(all[1]!) <= 1e-5) {
    count += 1;
    head = [];
  }
  const stride = Math.max(Math.trunc(all.length / count), 1);
  const picked: number[] = [];
  for (let t = 1; t < all.length; t += stride) picked.push(all[t]!);
  return Float32Array.from([...head, ...picked].reverse());
}

function rangeOf(schedule: DiscreteSchedule, steps: number): SigmaRange {
  assertSteps(steps);
  return { steps, sigmaMin: schedule.sigmaMin, sigmaMax: schedule.sigmaMax };
}

/** Every scheduler by ComfyUI name; the range schedules read sigmaMin / sigmaMax from the model's schedule. */
export const SCHEDULERS = {
  simple: simpleSigmas,
  sgm_uniform: sgmUniformSigmas,
  karras: (schedule, steps) => karrasSigmas(rangeOf(schedule, steps)),
  exponential: (schedule, steps) => exponentialSigmas(rangeOf(schedule, steps)),
  ddim_uniform: ddimUniformSigmas,
  beta: (schedule, steps) => {
    assertSteps(steps);
    return betaSigmas(schedule, { steps });
  },
  normal: normalSigmas,
  linear_quadratic: (schedule, steps) => linearQuadraticSigmas(rangeOf(schedule, steps)),
  kl_optimal: (schedule, steps) => klOptimalSigmas(rangeOf(schedule, steps)),
} as const satisfies Record<SchedulerName, Scheduler>;

/** Options of `calculateSigmas`. */
export interface CalculateSigmasOptions {
  readonly schedule: DiscreteSchedule;
  readonly scheduler: SchedulerName;
  readonly steps: number;
  /** Fraction of the schedule to run, in [0, 1]; below 1 this is img2img. */
  readonly denoise?: number;
}

/**
 * The sigmas a KSampler runs (ComfyUI `KSampler.set_steps`): for `denoise` < 1 the schedule is computed
 * for floor(steps / denoise) steps and only its last steps + 1 sigmas are kept, so img2img starts part
 * way down the same curve; `denoise` <= 0 gives no sigmas (the latent passes through unchanged).
 * @example
 * calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 10, denoise: 0.5 }); // 11 sigmas of a 20-step curve
 */
export function calculateSigmas(options: CalculateSigmasOptions): Float32Array {
  const { schedule, scheduler, steps, denoise = 1 } = options;
  assertSteps(steps);
  if (!(denoise <= 1)) {
    throw new EngineError('invalid_denoise', `'denoise' must lie in [0, 1], got ${denoise}`, { denoise });
  }
  if (denoise > 0.9999) return SCHEDULERS[scheduler](schedule, steps);
  if (denoise <= 0) return new Float32Array(0);
  const full = SCHEDULERS[scheduler](schedule, Math.trunc(steps / denoise));
  return full.slice(Math.max(0, full.length - (steps + 1)));
}
