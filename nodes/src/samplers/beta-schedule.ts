/**
 * @module
 * ComfyUI `beta_scheduler` (Lee et al. 2024, arXiv 2407.12173, "Beta Sampling is All You Need"):
 * timesteps at the Beta(alpha, beta) quantiles of evenly spaced probabilities, rounded to integers,
 * repeats dropped, read from the model's training sigmas, then a trailing 0.
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import type { DiscreteSchedule } from './discrete-schedule';

/** Options of `betaSigmas`. */
export interface BetaScheduleOptions {
  readonly steps: number;
  /** ComfyUI's default 0.6. */
  readonly alpha?: number;
  /** ComfyUI's default 0.6. */
  readonly beta?: number;
}

/** numpy `rint`: halves to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The Beta quantile; a symmetric Beta is evaluated on p <= 1/2 and mirrored, so its median is exactly 1/2. */
function quantile(p: number, alpha: number, beta: number): number {
  if (alpha === beta && p > 0.5) return 1 - betaQuantile(1 - p, alpha, beta);
  return betaQuantile(p, alpha, beta);
}

/**
 * The beta schedule's sigmas (fewer than steps + 1 when two quantiles round to the same timestep).
 * @example
 * betaSigmas(SD1_SCHEDULE, { steps: 6 }); // [14.61, 8.71, 3.68, 1.62, 0.76, 0.32, 0]
 */
export function betaSigmas(schedule: DiscreteSchedule, options: BetaScheduleOptions): Float32Array {
  const { steps, alpha = 0.6, beta = 0.6 } = options;
  const last = schedule.sigmas.length - 1;
  const out: number[] = [];
  let previous = -1;
  for (let i = 0; i < steps; i++) {
    // numpy: 1 - linspace(0, 1, steps, endpoint=False), i.e. 1 - i * (1 / steps).
    const t = rint(quantile(1 - i * (1 / steps), alpha, beta) * last);
    if (t !== previous) out.push(schedule.sigmas[t]!);
    previous = t;
  }
  return Float32Array.from([...out, 0]);
}
