/**
 * @module
 * When in the schedule a ControlNet acts. ComfyUI turns Apply ControlNet's start / end percent into
 * sigmas once per run (`ModelSamplingDiscrete.percent_to_sigma`) and skips the ControlNet on calls
 * whose sigma lies above the start's or below the end's (comfy/controlnet.py `get_control`).
 */
import { type DiscreteSchedule, tToSigma } from '../samplers';

/** Sigmas bounding a ControlNet's part of the schedule (start >= end). */
export interface ControlWindow {
  readonly startSigma: number;
  readonly endSigma: number;
}

/**
 * ComfyUI `percent_to_sigma`: 0 -> above any sigma, 1 -> 0, else the sigma at timestep (1 - p) * 999.
 * @example
 * percentToSigma(SD1_SCHEDULE, 0.5); // sigma at t = 499.5
 */
export function percentToSigma(schedule: DiscreteSchedule, percent: number): number {
  if (percent <= 0) return 999999999.9;
  if (percent >= 1) return 0;
  return tToSigma(schedule, (1 - percent) * (schedule.sigmas.length - 1));
}

/**
 * The window of start / end percent.
 * @example
 * const window = controlWindow(SD1_SCHEDULE, 0, 0.5); // the first half of the schedule
 */
export function controlWindow(
  schedule: DiscreteSchedule,
  startPercent: number,
  endPercent: number,
): ControlWindow {
  return {
    startSigma: percentToSigma(schedule, startPercent),
    endSigma: percentToSigma(schedule, endPercent),
  };
}

/**
 * Whether a call at `sigma` is inside the window.
 * @example
 * isInWindow(controlWindow(SD1_SCHEDULE, 0, 1), 14.6); // true
 */
export function isInWindow(window: ControlWindow, sigma: number): boolean {
  return !(sigma > window.startSigma || sigma < window.endSigma);
}
