/**
 * @module
 * Timesteps of diffusers' `DDIMScheduler.set_timesteps` with `timestep_spacing="leading"` and
 * `steps_offset`, the configuration SD1.5 pipelines (and MoMA) load from `scheduler_config.json`.
 */
import { EngineError } from '@momaflow/engine';

/** Options of `ddimDiffusersTimesteps`. */
export interface DdimTimestepsOptions {
  readonly steps: number;
  /** Training timesteps of the model (`num_train_timesteps`), 1000 for SD1.x. */
  readonly trainTimesteps?: number;
  /** `steps_offset`: 1 in SD1.x's scheduler config. */
  readonly stepsOffset?: number;
}

/**
 * The levels a `createDdimDiffusersSampler` run walks: the `steps` integer timesteps
 * (k * floor(T / steps) + offset, descending) followed by the "previous timestep" of the last step,
 * t - floor(T / steps), which is negative when the last step lands on `final_alpha_cumprod`.
 * @example
 * ddimDiffusersTimesteps({ steps: 4 }); // [751, 501, 251, 1, -249]
 */
export function ddimDiffusersTimesteps(options: DdimTimestepsOptions): number[] {
  const { steps, trainTimesteps = 1000, stepsOffset = 1 } = options;
  if (!Number.isInteger(steps) || steps < 1 || steps > trainTimesteps) {
    throw new EngineError(
      'invalid_steps',
      `'steps' must be an integer in [1, ${trainTimesteps}], got ${steps}`,
      { steps },
    );
  }
  const ratio = Math.floor(trainTimesteps / steps);
  const timesteps = Array.from({ length: steps }, (_, k) => (steps - 1 - k) * ratio + stepsOffset);
  return [...timesteps, timesteps[steps - 1]! - ratio];
}
