/**
 * @module
 * One KSampler run on a LATENT: scale it into the model's space (SD1.x: x 0.18215, ComfyUI
 * `process_latent_in`), start the UNet run (its rows, the reference passes its patches ask for:
 * patch-run.ts), start from the plan's noised sample, walk the levels with the guided UNet in one
 * batched call per step, and scale the result back, with the masks patches generated on the way. The
 * noise is the caller's, so the node draws it from the seed and the parity tests feed the reference
 * noise.
 */
import type { Logger, NodeEnv, Tensor } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
import { startControlRun } from '../controlnet/control-run';
import { withUncondControl } from '../controlnet/uncond-control';
import { type UnetModel, type UnetRun, UnetSession } from '../models/unet';
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
import { guidedEntries } from './guided-rows';
import { createInpaintDenoiser, prepareNoiseMask } from './inpaint-denoiser';
import { startPatchRun } from './patch-run';
import type { ReferencePassEvent } from './reference-passes';
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
  readonly onStep?: (progress: SamplingStep) => void | Promise<void>;
  /** Labels for messages, e.g. "KSampler". */
  readonly label?: string;
  /** Where notes go (a resized ControlNet hint, a patch's warning); default the environment's. */
  readonly log?: Logger;
  /** After each reference pass a patch asked for (run now, or found from an earlier run). */
  readonly onReferencePass?: (event: ReferencePassEvent) => void;
}

/** A step as `onStep` sees it: the sampler's progress, and the masks patches have made so far. */
export interface SamplingStep extends StepProgress {
  /** Masks per latent [batch, 1, h, w] after this step (`ModelPatch.finalMask`), by patch id. */
  masks(): Readonly<Record<string, Tensor<'float32'>>>;
}

/** A sampling run's result. */
export interface SampledLatent {
  /** In VAE space (a LATENT's samples). */
  readonly samples: Tensor<'float32'>;
  /** Masks per latent [batch, 1, h, w] that patches generated (`ModelPatch.finalMask`), by patch id. */
  readonly masks: Readonly<Record<string, Tensor<'float32'>>>;
}

/**
 * Denoise `latent` and return the result in VAE space (a LATENT's samples).
 * @throws EngineError `invalid_conditioning`, `invalid_input` (noise shape), and the UNet's errors.
 * @example
 * const samples = await sampleLatent({ env, model, positive, negative, latent, noise: torchRandn({ seed, shape: latent.shape }),
 *   samplerName: 'euler', scheduler: 'normal', steps: 20, cfg: 8 });
 */
export async function sampleLatent(o: SampleLatentOptions): Promise<Tensor<'float32'>> {
  return (await sampleLatentWithMasks(o)).samples;
}

/**
 * `sampleLatent` that also returns the masks the model's patches generated.
 * @example
 * const { samples, masks } = await sampleLatentWithMasks({ ...options, log: ctx.log });
 */
export async function sampleLatentWithMasks(o: SampleLatentOptions): Promise<SampledLatent> {
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
  if (levels === null || levels.length < 2) return { samples: o.latent, masks: {} };
  const latent = scaled(o.latent, SD15_LATENT_SCALE);
  const x = plan.start({ latent, noise: o.noise, levels, denoise });
  const noiseSource =
    o.noiseSource ??
    (o.noiseSeed === undefined ? undefined : plan.noiseSource({ seed: o.noiseSeed, levels }));
  const negative = withUncondControl(o.positive, o.negative);
  const guidedSides = guidedEntries({ positive: o.positive, negative, cfg: o.cfg });
  const control = await startControlRun({
    env: o.env,
    model: o.model,
    entries: guidedSides.map((g) => g.entry),
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
  let run: UnetRun | undefined;
  try {
    run = await startPatchRun({
      env: o.env,
      unet,
      entries: guidedSides,
      latentShape: o.latent.shape,
      contextTokens: tokens,
      log: o.log ?? o.env.log,
      label,
      ...(o.onReferencePass === undefined ? {} : { onReferencePass: o.onReferencePass }),
    });
    const guided = createCfgDenoiser({
      unet: run,
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
        const masks = () => run?.finalMasks() ?? {};
        reported = Promise.resolve(o.onStep?.({ ...progress, masks }));
        // Awaited by the next call or after the loop; this only keeps a run that ends first (an
        // interrupt) from leaving it unhandled.
        reported.catch(() => {});
      },
      ...(noiseSource === undefined ? {} : { noiseSource }),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
    await reported;
    return { samples: divided(out, SD15_LATENT_SCALE), masks: run.finalMasks() };
  } finally {
    await run?.end();
    unet.release();
    control?.release();
  }
}
