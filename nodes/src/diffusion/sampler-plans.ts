/**
 * @module
 * What KSampler offers as `sampler_name`: ComfyUI's k-diffusion samplers, which walk the sigmas of the
 * chosen scheduler from `noise * sqrt(1 + sigma0^2)` (+ the latent for img2img), plus diffusers' DDIM
 * as MoMA runs it, which walks its own "leading" timesteps from plain noise and ignores the scheduler.
 * Each plan says which noise levels a run walks and where it starts.
 */
import { Tensor } from '@momaflow/engine';
import {
  calculateSigmas,
  createDdimDiffusersSampler,
  ddimDiffusersTimesteps,
  initialLatent,
  K_SAMPLER_NAMES,
  K_SAMPLERS,
  type Sampler,
  type SchedulerName,
  SD1_SCHEDULE,
} from '../samplers';

/** Sampler names KSampler accepts. */
export const SAMPLER_NAMES = [...K_SAMPLER_NAMES, 'ddim_diffusers'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

/** What a run asks for. */
export interface LevelRequest {
  readonly scheduler: SchedulerName;
  readonly steps: number;
  /** In [0, 1]; below 1 the run starts part way down the schedule (img2img). */
  readonly denoise: number;
}

/** How one sampler runs. */
export interface SamplerPlan {
  readonly sampler: Sampler;
  /** The noise levels walked: steps + 1 values (none when denoise is 0). */
  levels(request: LevelRequest): number[];
  /** The first sample, from the (scaled) latent and unit noise. */
  start(o: { latent: Tensor; noise: Tensor; levels: readonly number[]; denoise: number }): Tensor;
}

/** The whole schedule is run: denoise within ComfyUI's tolerance of 1. */
const isFullDenoise = (denoise: number) => denoise > 0.9999;

function kDiffusionPlan(sampler: Sampler): SamplerPlan {
  return {
    sampler,
    levels: ({ scheduler, steps, denoise }) =>
      Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler, steps, denoise })),
    start: ({ latent, noise, levels }) =>
      initialLatent({ noise, latent, sigmas: levels, sigmaMax: SD1_SCHEDULE.sigmaMax }),
  };
}

const TRAIN_TIMESTEPS = SD1_SCHEDULE.alphasCumprod.length;

/**
 * diffusers DDIM. Partial denoise follows ComfyUI's KSampler (the last `steps` of a
 * floor(steps / denoise)-step schedule) and noises the latent as diffusers' img2img does
 * (`scheduler.add_noise`: sqrt(abar) x + sqrt(1 - abar) noise); a full run starts from the noise alone,
 * as the diffusers txt2img pipeline does.
 */
const DDIM_DIFFUSERS_PLAN: SamplerPlan = {
  sampler: createDdimDiffusersSampler({ schedule: SD1_SCHEDULE }),
  levels: ({ steps, denoise }) => {
    if (denoise <= 0) return [];
    const total = isFullDenoise(denoise) ? steps : Math.min(TRAIN_TIMESTEPS, Math.floor(steps / denoise));
    const all = ddimDiffusersTimesteps({ steps: total, trainTimesteps: TRAIN_TIMESTEPS });
    return all.slice(Math.max(0, all.length - (steps + 1)));
  },
  start: ({ latent, noise, levels, denoise }) => {
    const t0 = levels[0];
    if (t0 === undefined) return latent;
    if (isFullDenoise(denoise)) return noise;
    const abar = SD1_SCHEDULE.alphasCumprod[t0]!;
    const a = Math.sqrt(abar);
    const b = Math.sqrt(1 - abar);
    const noised = new Float32Array(latent.size);
    for (let i = 0; i < noised.length; i++) noised[i] = a * latent.data[i]! + b * noise.data[i]!;
    return new Tensor('float32', latent.shape, noised);
  },
};

/**
 * Every sampler KSampler offers, by name.
 * @example
 * const plan = SAMPLER_PLANS[inputs.sampler_name];
 */
export const SAMPLER_PLANS = {
  euler: kDiffusionPlan(K_SAMPLERS.euler),
  euler_ancestral: kDiffusionPlan(K_SAMPLERS.euler_ancestral),
  dpmpp_2m: kDiffusionPlan(K_SAMPLERS.dpmpp_2m),
  ddim: kDiffusionPlan(K_SAMPLERS.ddim),
  ddim_diffusers: DDIM_DIFFUSERS_PLAN,
} as const satisfies Record<SamplerName, SamplerPlan>;
