/**
 * @module
 * Sigma schedules with ComfyUI / k-diffusion semantics (`comfy/samplers.py` `calculate_sigmas`): each
 * turns a step count into a descending list of sigmas ending in a trailing 0, read from one
 * `DiscreteSchedule`. Returned as float32, as ComfyUI returns `torch.FloatTensor`.
 */
import { EngineError } from '@momaflow/engine';
import type { DiscreteSchedule } from './discrete-schedule';
import { sigmaToTimestep, tToSigma } from './discrete-schedule';

/** Scheduler names, spelled as ComfyUI's `SCHEDULER_NAMES` (the subset momaflow implements). */
export const SCHEDULER_NAMES = ['normal', 'karras', 'simple', 'ddim_uniform'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

/** Computes the sigmas for `steps` sampler steps from a model's discrete schedule. */
export type Scheduler = (schedule: DiscreteSchedule, steps: number) => Float32Array;

/** Options of `karrasSigmas` (k-diffusion `get_sigmas_karras`). */
export interface KarrasOptions {
  readonly steps: number;
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  /** Karras et al. 2022 (arXiv 2206.00364) eq. 5; 7 is their recommended value. */
  readonly rho?: number;
}

function assertSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new EngineError('invalid_steps', `'steps' must be an integer >= 1, got ${steps}`, { steps });
  }
}

/** torch.linspace(start, end, n): n evenly spaced values, both ends included. */
function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  return Array.from({ length: n }, (_, i) => start + ((end - start) * i) / (n - 1));
}

/**
 * ComfyUI `normal_scheduler`: timesteps evenly spaced from t(sigmaMax) down to t(sigmaMin), each mapped
 * to sigma by log-linear interpolation, then a trailing 0.
 * @example
 * normalSigmas(SD1_SCHEDULE, 6); // [14.61, 7.04, 3.78, 2.06, 1.04, 0.029, 0]
 */
export function normalSigmas(schedule: DiscreteSchedule, steps: number): Float32Array {
  assertSteps(steps);
  const start = sigmaToTimestep(schedule, schedule.sigmaMax);
  const end = sigmaToTimestep(schedule, schedule.sigmaMin);
  // Schedules whose last sigma is already ~0 (zero-terminal-SNR models) spend that point as a step.
  const endsAtZero = Math.abs(tToSigma(schedule, end)) <= 1e-5;
  const ts = linspace(start, end, endsAtZero ? steps + 1 : steps);
  const sigmas = ts.map((t) => tToSigma(schedule, t));
  return Float32Array.from(endsAtZero ? sigmas : [...sigmas, 0]);
}

/**
 * k-diffusion `get_sigmas_karras`: sigmas evenly spaced in sigma^(1/rho) between sigmaMax and sigmaMin,
 * then a trailing 0.
 * @example
 * karrasSigmas({ steps: 6, sigmaMin: 0.0292, sigmaMax: 14.6146 }); // [14.61, 6.08, 2.23, 0.69, 0.17, 0.029, 0]
 */
export function karrasSigmas(options: KarrasOptions): Float32Array {
  const { steps, sigmaMin, sigmaMax, rho = 7 } = options;
  assertSteps(steps);
  const minInvRho = sigmaMin ** (1 / rho);
  const maxInvRho = sigmaMax ** (1 / rho);
  const sigmas = linspace(0, 1, steps).map((ramp) => (maxInvRho + ramp * (minInvRho - maxInvRho)) ** rho);
  return Float32Array.from([...sigmas, 0]);
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

/** Every scheduler by ComfyUI name; sigmaMin / sigmaMax for `karras` come from the model's schedule. */
export const SCHEDULERS = {
  normal: normalSigmas,
  karras: (schedule, steps) =>
    karrasSigmas({ steps, sigmaMin: schedule.sigmaMin, sigmaMax: schedule.sigmaMax }),
  simple: simpleSigmas,
  ddim_uniform: ddimUniformSigmas,
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
