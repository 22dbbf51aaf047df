/**
 * @module
 * One KSampler run on a LATENT: scale it into the model's space (SD1.x: x 0.18215, ComfyUI
 * `process_latent_in`), start from the plan's noised sample, walk the levels with the guided UNet in
 * one batched call per step, and scale the result back. The noise is the caller's, so the node draws it
 * from the seed and the parity tests feed the reference noise.
 */
import type { Logger, NodeEnv, Tensor } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
import { startControlRun } from '../controlnet/control-run';
import { withUncondControl } from '../controlnet/uncond-control';
import { type UnetModel, UnetSession } from '../models/unet';
import {
  type NoiseSource,
  type SchedulerName,
  SD1_SCHEDULE,
  type Seed,
  type StepProgress,
  sample,
  torchRandn,
} from '../samplers';
import { divided, scaled } from './batch-tensors';
import { createCfgDenoiser } from './cfg-denoiser';
import { checkConditioning } from './check-conditioning';
import { DIFFUSION_SESSIONS, UNET_GRAPHS } from './diffusion-resources';
import type { Conditioning } from './diffusion-types';
import { createInpaintDenoiser, prepareNoiseMask } from './inpaint-denoiser';
import { SAMPLER_PLANS, type SamplerName, type StepWindow, windowLevels } from './sampler-plans';

/** SD1.x latent scale (LDM `scale_factor`, ComfyUI `latent_formats.SD15`). */
export const SD15_LATENT_SCALE = 0.18215;

/** Options of `sampleLatent`. */
export interface SampleLatentOptions {
  readonly env: NodeEnv;
  readonly model: UnetModel;
  readonly positive: Conditioning;
  readonly negative: Conditioning;
  /** LATENT samples [batch, 4, h, w] in VAE space: zeros for txt2img. */
  readonly latent: Tensor<'float32'>;
  /** Unit Gaussian noise shaped like `latent` (`torchRandn({ seed, shape })` for ComfyUI's images). */
  readonly noise: Tensor<'float32'>;
  /** Per-step noise for stochastic samplers. */
  readonly noiseSource?: NoiseSource;
  /** Without `noiseSource`: the seed of the sampler's default per-step noise (ComfyUI's). */
  readonly noiseSeed?: Seed;
  /** KSamplerAdvanced's start / end steps. */
  readonly window?: StepWindow;
  /** The LATENT's noise mask (inpainting): only where it is 1 does the sampler change the latent. */
  readonly noiseMask?: Tensor<'float32'>;
  readonly samplerName: SamplerName;
  readonly scheduler: SchedulerName;
  readonly steps: number;
  readonly cfg: number;
  /** Default 1. */
  readonly denoise?: number;
  readonly signal?: AbortSignal;
  /**
   * After each step, with the sample and x0 estimate in the model's (scaled) space. A returned promise
   * is awaited before the next UNet call: onnxruntime-node runs a session on the calling thread, so
   * the event loop is blocked during a step, and reports (progress events, encoded previews) go out
   * only while the UNet is idle.
   */
  readonly onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Labels for messages, e.g. "KSampler". */
  readonly label?: string;
  /** Where notes go (a resized ControlNet hint); default the environment's. */
  readonly log?: Logger;
}

/**
 * Denoise `latent` and return the result in VAE space (a LATENT's samples).
 * @throws EngineError `invalid_conditioning`, `invalid_input` (noise shape), and the UNet's errors.
 * @example
 * const samples = await sampleLatent({ env, model, positive, negative, latent, noise: torchRandn({ seed, shape: latent.shape }),
 *   samplerName: 'euler', scheduler: 'normal', steps: 20, cfg: 8 });
 */
export async function sampleLatent(o: SampleLatentOptions): Promise<Tensor<'float32'>> {
  const label = o.label ?? 'KSampler';
  const [batch = 0] = o.latent.shape;
  if (o.noise.shape.join('x') !== o.latent.shape.join('x')) {
    throw new EngineError(
      'invalid_input',
      `${label}: noise [${o.noise.shape.join(', ')}] must have the latent's shape [${o.latent.shape.join(', ')}]`,
    );
  }
  const dims = { batch, dim: o.model.config.crossAttentionDim };
  const tokens = checkConditioning(`${label} input 'positive'`, o.positive, dims);
  if (o.cfg !== 1 && checkConditioning(`${label} input 'negative'`, o.negative, dims) !== tokens) {
    throw new EngineError(
      'invalid_conditioning',
      `${label}: 'positive' and 'negative' must have the same number of tokens to run batched`,
    );
  }
  const denoise = o.denoise ?? 1;
  const plan = SAMPLER_PLANS[o.samplerName];
  const all = plan.levels({ scheduler: o.scheduler, steps: o.steps, denoise });
  const levels = o.window === undefined ? all : windowLevels(plan, all, o.window);
  if (levels === null || levels.length < 2) return o.latent;
  const latent = scaled(o.latent, SD15_LATENT_SCALE);
  const x = plan.start({ latent, noise: o.noise, levels, denoise });
  const noiseSource =
    o.noiseSource ??
    (o.noiseSeed === undefined ? undefined : plan.noiseSource({ seed: o.noiseSeed, levels }));
  const negative = withUncondControl(o.positive, o.negative);
  const control = await startControlRun({
    env: o.env,
    model: o.model,
    entries: o.cfg === 1 ? o.positive : [...negative, ...o.positive],
    latentShape: o.latent.shape,
    schedule: SD1_SCHEDULE,
    log: o.log ?? o.env.log,
    label,
  });
  let unet: UnetSession;
  try {
    unet = await UnetSession.open({
      model: o.model,
      graphs: o.env.resource(UNET_GRAPHS),
      sessions: o.env.resource(DIFFUSION_SESSIONS),
      graph: { controlResiduals: control !== undefined },
    });
  } catch (err) {
    control?.release();
    throw err;
  }
  let reported: Promise<void> = Promise.resolve();
  try {
    const guided = createCfgDenoiser({
      unet,
      positive: o.positive,
      negative,
      cfg: o.cfg,
      domain: plan.sampler.domain,
      schedule: SD1_SCHEDULE,
      batch,
      ...(control === undefined ? {} : { control: control.residuals }),
    });
    const masked =
      o.noiseMask === undefined
        ? guided
        : createInpaintDenoiser({
            denoise: guided,
            mask: prepareNoiseMask(o.noiseMask, { shape: o.latent.shape, label }),
            latent,
            noise:
              plan.inpaintNoise === 'reseeded' && o.noiseSeed !== undefined
                ? torchRandn({ seed: BigInt(o.noiseSeed) + 1n, shape: o.latent.shape })
                : o.noise,
            domain: plan.sampler.domain,
            schedule: SD1_SCHEDULE,
          });
    const out = await sample({
      sampler: plan.sampler,
      levels,
      x,
      denoise: async (sampleX, level, stepIndex) => {
        await reported;
        // A report may have asked to stop (the user interrupted while it was being made).
        o.signal?.throwIfAborted();
        return masked(sampleX, level, stepIndex);
      },
      onStep: (progress) => {
        reported = Promise.resolve(o.onStep?.(progress));
        // Awaited by the next call or after the loop; this only keeps a run that ends first (an
        // interrupt) from leaving it unhandled.
        reported.catch(() => {});
      },
      ...(noiseSource === undefined ? {} : { noiseSource }),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
    await reported;
    return divided(out, SD15_LATENT_SCALE);
  } finally {
    unet.release();
    control?.release();
  }
}
