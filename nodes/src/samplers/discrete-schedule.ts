/**
 * @module
 * The discrete DDPM noise schedule of SD1.x and conversions between its two coordinates: the training
 * timestep t in [0, 999] that the UNet embeds, and the noise level sigma = sqrt((1 - abar) / abar) that
 * k-diffusion samplers integrate over. Mirrors ComfyUI `comfy/model_sampling.py` `ModelSamplingDiscrete`
 * (and k-diffusion `DiscreteSchedule`), so every schedule and sampler reads sigmas from one place.
 */
import { EngineError } from '@momaflow/engine';
import { addF32, expF32, f32, logF32, mulF32, subF32 } from './float32-scalar';

/** Parameters of a `scaled_linear` beta schedule (LDM `make_beta_schedule("linear", ...)`). */
export interface DiscreteScheduleOptions {
  /** Number of training timesteps; 1000 for SD1.x. */
  readonly timesteps?: number;
  /** First beta; 0.00085 for SD1.x. */
  readonly linearStart?: number;
  /** Last beta; 0.012 for SD1.x. */
  readonly linearEnd?: number;
}

/** A discrete noise schedule: per-timestep cumulative alphas and the matching sigmas. */
export interface DiscreteSchedule {
  /** abar_t = prod(1 - beta_i, i <= t), in float64 as LDM computes it. */
  readonly alphasCumprod: Float64Array;
  /**
   * sigma_t, ascending in t, rounded to float32 as ComfyUI stores its `sigmas` buffer; schedules and
   * timestep lookups use these exact values so they agree with ComfyUI bit for bit where possible.
   */
  readonly sigmas: Float32Array;
  /** log(sigma_t) in float32 (ComfyUI `log_sigmas`), the axis `timestep` and `sigma` interpolate on. */
  readonly logSigmas: Float32Array;
  /** sigma at t = 0. */
  readonly sigmaMin: number;
  /** sigma at the last timestep. */
  readonly sigmaMax: number;
}

/**
 * Builds a discrete schedule from scaled_linear betas: betas = linspace(sqrt(start), sqrt(end), T)^2.
 * @example
 * const s = createDiscreteSchedule(); // SD1.x defaults
 * s.sigmaMax; // ~14.6146
 */
export function createDiscreteSchedule(options: DiscreteScheduleOptions = {}): DiscreteSchedule {
  const { timesteps = 1000, linearStart = 0.00085, linearEnd = 0.012 } = options;
  if (!Number.isInteger(timesteps) || timesteps < 2) {
    throw new EngineError('invalid_schedule', `'timesteps' must be an integer >= 2, got ${timesteps}`);
  }
  if (!(linearStart > 0 && linearEnd > 0 && linearStart < 1 && linearEnd < 1)) {
    throw new EngineError(
      'invalid_schedule',
      `'linearStart' and 'linearEnd' must lie in (0, 1), got ${linearStart} and ${linearEnd}`,
    );
  }
  const a = Math.sqrt(linearStart);
  const b = Math.sqrt(linearEnd);
  const alphasCumprod = new Float64Array(timesteps);
  const sigmas = new Float32Array(timesteps);
  const logSigmas = new Float32Array(timesteps);
  let cumprod = 1;
  for (let t = 0; t < timesteps; t++) {
    const sqrtBeta = a + ((b - a) * t) / (timesteps - 1);
    cumprod *= 1 - sqrtBeta * sqrtBeta;
    alphasCumprod[t] = cumprod;
    const sigma = Math.sqrt((1 - cumprod) / cumprod);
    sigmas[t] = sigma;
    // ComfyUI takes the log of the float64 sigma, then rounds (`sigmas.log().float()`).
    logSigmas[t] = Math.log(sigma);
  }
  return { alphasCumprod, sigmas, logSigmas, sigmaMin: sigmas[0]!, sigmaMax: sigmas[timesteps - 1]! };
}

/** The SD1.x schedule (1000 steps, betas 0.00085..0.012). Treat its arrays as read-only. */
export const SD1_SCHEDULE: DiscreteSchedule = Object.freeze(createDiscreteSchedule());

/**
 * The integer timestep whose log-sigma is nearest to log(sigma): ComfyUI
 * `ModelSamplingDiscrete.timestep` (k-diffusion `sigma_to_t(quantize=True)`). This is the t the UNet is
 * called with. Computed in float32 as ComfyUI does (log of the float32 sigma, float32 distances), which
 * decides the pick when sigma lies on the midpoint of two timesteps.
 * @example
 * sigmaToTimestep(SD1_SCHEDULE, SD1_SCHEDULE.sigmaMax); // 999
 */
export function sigmaToTimestep(schedule: DiscreteSchedule, sigma: number): number {
  const logSigma = logF32(sigma);
  const ls = schedule.logSigmas;
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let t = 0; t < ls.length; t++) {
    // Strict `<` keeps the first minimum, as torch `argmin` does.
    const dist = Math.abs(f32(logSigma - ls[t]!));
    if (dist < bestDist) {
      bestDist = dist;
      best = t;
    }
  }
  return best;
}

/**
 * Continuous timestep by linear interpolation of log-sigma between the two neighbouring timesteps:
 * k-diffusion `DiscreteSchedule.sigma_to_t(quantize=False)`; clamped to [0, T-1].
 * @example
 * sigmaToT(SD1_SCHEDULE, tToSigma(SD1_SCHEDULE, 499.5)); // ~499.5
 */
export function sigmaToT(schedule: DiscreteSchedule, sigma: number): number {
  const logSigma = Math.log(sigma);
  const ls = schedule.logSigmas;
  // low = last index whose log-sigma is <= log(sigma), clamped so that low + 1 exists.
  let low = 0;
  for (let t = 0; t < ls.length; t++) if (logSigma - ls[t]! >= 0) low = t;
  low = Math.min(low, ls.length - 2);
  const lo = ls[low]!;
  const hi = ls[low + 1]!;
  const w = Math.min(1, Math.max(0, (lo - logSigma) / (lo - hi)));
  return (1 - w) * low + w * (low + 1);
}

/**
 * Sigma at a (possibly fractional) timestep by log-linear interpolation: ComfyUI
 * `ModelSamplingDiscrete.sigma` (k-diffusion `t_to_sigma`) in its float32 arithmetic; t is clamped to
 * [0, T-1].
 * @example
 * tToSigma(SD1_SCHEDULE, 999); // ~14.6146 (= sigmaMax up to float32 rounding of log-sigma)
 */
export function tToSigma(schedule: DiscreteSchedule, t: number): number {
  const ls = schedule.logSigmas;
  const tc = f32(Math.min(ls.length - 1, Math.max(0, t)));
  const low = Math.floor(tc);
  const high = Math.ceil(tc);
  const w = subF32(tc, low);
  return expF32(addF32(mulF32(subF32(1, w), ls[low]!), mulF32(w, ls[high]!)));
}
