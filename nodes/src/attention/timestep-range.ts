/**
 * @module
 * Where in the schedule an injection is on, as a range of UNet timesteps: the one coordinate every
 * sampler shares (DDIM walks integer timesteps, k-diffusion samplers call the UNet at the nearest
 * training timestep of their sigma). MoMA switches its self-attention injection off while t >= 950;
 * ComfyUI-style `start_at` / `end_at` fractions map to timesteps as ComfyUI's `percent_to_sigma` does.
 */
import { EngineError } from '@momaflow/engine';

/** UNet timesteps t with `last <= t <= first` (the schedule runs from high t to low t). */
export interface TimestepRange {
  readonly first: number;
  readonly last: number;
}

/** Every timestep. */
export const WHOLE_SCHEDULE: TimestepRange = Object.freeze({
  first: Number.POSITIVE_INFINITY,
  last: Number.NEGATIVE_INFINITY,
});

/**
 * Whether `t` lies in `range`.
 * @example
 * isInRange({ first: 949, last: 0 }, 961); // false: MoMA's self injection is off
 */
export function isInRange(range: TimestepRange, t: number): boolean {
  return t <= range.first && t >= range.last;
}

/**
 * ComfyUI's `start_at` / `end_at` (fractions of the denoising, 0 = its start) as timesteps:
 * `percent_to_sigma` turns a fraction p into the sigma of t = (1 - p) * (trainTimesteps - 1), with 0
 * meaning "from the very start" and 1 "to the very end".
 * @throws EngineError `invalid_range` unless 0 <= startAt <= endAt <= 1.
 * @example
 * timestepRangeFromFractions(0, 0.5); // { first: Infinity, last: 499.5 }
 */
export function timestepRangeFromFractions(
  startAt: number,
  endAt: number,
  trainTimesteps = 1000,
): TimestepRange {
  if (!(startAt >= 0 && endAt <= 1 && startAt <= endAt)) {
    throw new EngineError(
      'invalid_range',
      `'start_at' ${startAt} and 'end_at' ${endAt} must satisfy 0 <= start_at <= end_at <= 1`,
    );
  }
  const at = (p: number) => (1 - p) * (trainTimesteps - 1);
  return {
    first: startAt <= 0 ? Number.POSITIVE_INFINITY : at(startAt),
    last: endAt >= 1 ? Number.NEGATIVE_INFINITY : at(endAt),
  };
}
