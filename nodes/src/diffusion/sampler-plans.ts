/**
 * @module
 * What KSampler offers as `sampler_name`: ComfyUI's k-diffusion samplers, which walk the sigmas of the
 * chosen scheduler from `noise * sqrt(1 + sigma0^2)` (+ the latent for img2img), plus diffusers' DDIM
 * as MoMA runs it, which walks its own "leading" timesteps from plain noise and ignores the scheduler.
 * Each plan says which noise levels a run walks, where it starts, and which per-step noise a seed
 * gives. KSampler's sigma handling is ComfyUI's: `dpm_2`, `dpm_2_ancestral`, `uni_pc` and `uni_pc_bh2`
 * compute the schedule for one step more and drop its penultimate sigma
 * (`DISCARD_PENULTIMATE_SIGMA_SAMPLERS`), and KSamplerAdvanced's start / end steps cut a window.
 */
import { Tensor } from '@momaflow/engine';
import {
  BROWNIAN_NOISE_SAMPLERS,
  brownianNoiseSource,
  calculateSigmas,
  createDdimDiffusersSampler,
  ddimDiffusersTimesteps,
  generatorNoiseSource,
  initialLatent,
  K_SAMPLER_NAMES,
  K_SAMPLERS,
  type KSamplerName,
  type NoiseSource,
  type Sampler,
  type SchedulerName,
  SD1_SCHEDULE,
  type Seed,
  TorchCpuGenerator,
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
  /** The level that means "fully denoised" (what KSamplerAdvanced's forced full denoise ends on). */
  readonly finalLevel: number;
  /** The first sample, from the (scaled) latent and unit noise. */
  start(o: { latent: Tensor; noise: Tensor; levels: readonly number[]; denoise: number }): Tensor;
  /** ComfyUI's default per-step noise for a seed, or undefined for a deterministic sampler. */
  noiseSource(o: { readonly seed: Seed; readonly levels: readonly number[] }): NoiseSource | undefined;
  /**
   * The noise a noise-masked (inpainting) run keeps the masked-out area at: the start noise, or
   * ComfyUI `ddim`'s fresh draw from seed + 1 (`inpaint_options={"random": True}`).
   */
  readonly inpaintNoise: 'start' | 'reseeded';
}

/** Samplers for which KSampler drops the penultimate sigma of a one-step-longer schedule. */
const DISCARD_PENULTIMATE_SIGMA: ReadonlySet<KSamplerName> = new Set<KSamplerName>([
  'dpm_2',
  'dpm_2_ancestral',
  'uni_pc',
  'uni_pc_bh2',
]);

/** ComfyUI `KSampler.calculate_sigmas` for `total` steps. */
function kSamplerSigmas(name: KSamplerName, scheduler: SchedulerName, total: number): number[] {
  if (!DISCARD_PENULTIMATE_SIGMA.has(name)) {
    return Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler, steps: total }));
  }
  const longer = Array.from(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler, steps: total + 1 }));
  return [...longer.slice(0, -2), ...longer.slice(-1)];
}

/** The whole schedule is run: denoise within ComfyUI's tolerance of 1. */
const isFullDenoise = (denoise: number) => denoise > 0.9999;

function kDiffusionPlan(name: KSamplerName): SamplerPlan {
  const sampler = K_SAMPLERS[name];
  return {
    sampler,
    // ComfyUI `KSampler.set_steps`: a partial denoise keeps the last steps + 1 sigmas of a longer run.
    levels: ({ scheduler, steps, denoise }) => {
      if (isFullDenoise(denoise)) return kSamplerSigmas(name, scheduler, steps);
      if (denoise <= 0) return [];
      return kSamplerSigmas(name, scheduler, Math.trunc(steps / denoise)).slice(-(steps + 1));
    },
    finalLevel: 0,
    start: ({ latent, noise, levels }) =>
      initialLatent({ noise, latent, sigmas: levels, sigmaMax: SD1_SCHEDULE.sigmaMax }),
    noiseSource: ({ seed, levels }) => {
      if (!sampler.stochastic) return undefined;
      // ComfyUI's CPU noise: a generator seeded like the start noise, or a Brownian tree over the run.
      return BROWNIAN_NOISE_SAMPLERS.has(name)
        ? brownianNoiseSource({ seed, levels })
        : generatorNoiseSource(new TorchCpuGenerator(seed));
    },
    inpaintNoise: name === 'ddim' ? 'reseeded' : 'start',
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
  // A negative level lands on the final alpha (abar_0 for SD1.x).
  finalLevel: -1,
  noiseSource: () => undefined,
  inpaintNoise: 'start',
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
  ...(Object.fromEntries(K_SAMPLER_NAMES.map((name) => [name, kDiffusionPlan(name)])) as Record<
    KSamplerName,
    SamplerPlan
  >),
  ddim_diffusers: DDIM_DIFFUSERS_PLAN,
} as const satisfies Record<SamplerName, SamplerPlan>;

/** KSamplerAdvanced's step window (ComfyUI `KSampler.sample`'s start_step / last_step). */
export interface StepWindow {
  /** First step to run; at or past the last step nothing runs. */
  readonly start: number;
  /** Step to stop at; below the run's length the levels are cut there. */
  readonly end: number;
  /** When cut, whether the last level becomes the fully denoised one. */
  readonly forceFullDenoise: boolean;
}

/**
 * The levels a windowed run walks, or null when the window starts at or past the last step (the
 * latent is returned unchanged then).
 * @example
 * windowLevels(plan, levels, { start: 0, end: 10, forceFullDenoise: false }); // the first 10 steps
 */
export function windowLevels(plan: SamplerPlan, levels: readonly number[], w: StepWindow): number[] | null {
  let cut = [...levels];
  if (w.end < cut.length - 1) {
    cut = cut.slice(0, w.end + 1);
    if (w.forceFullDenoise) cut[cut.length - 1] = plan.finalLevel;
  }
  if (w.start >= cut.length - 1) return null;
  return cut.slice(w.start);
}
