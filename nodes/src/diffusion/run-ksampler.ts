/**
 * @module
 * What KSampler and KSamplerAdvanced share, ComfyUI's `common_ksampler`: the seed's start noise (none
 * when noise is disabled), the sampler's default per-step noise, the LATENT's noise mask, progress
 * with previews, and the LATENT out with its other fields (noise mask, batch index) kept and the
 * masks the model's patches generated (MoMA's subject mask) in place of any it came with.
 */
import { type NodeContext, Tensor } from '@momaflow/engine';
import type { UnetModel } from '../models/unet';
import type { SchedulerName } from '../samplers';
import type { Conditioning, Latent } from './diffusion-types';
import { prepareNoise } from './prepare-noise';
import { sampleLatentWithMasks } from './sample-latent';
import type { SamplerName, StepWindow } from './sampler-plans';
import { createStepReporter } from './step-reporter';

/** Options of `runKSampler`. */
export interface RunKSamplerOptions {
  readonly ctx: NodeContext;
  readonly model: UnetModel;
  readonly seed: number;
  readonly steps: number;
  readonly cfg: number;
  readonly samplerName: SamplerName;
  readonly scheduler: SchedulerName;
  readonly positive: Conditioning;
  readonly negative: Conditioning;
  readonly latent: Latent;
  readonly denoise: number;
  /** KSamplerAdvanced `add_noise: disable`: start from the latent as it is. */
  readonly addNoise?: boolean;
  readonly window?: StepWindow;
  readonly label: string;
}

/**
 * One KSampler run as a node runs it.
 * @example
 * const [latent] = [await runKSampler({ ctx, model, seed, steps, cfg, samplerName, scheduler, positive, negative, latent, denoise: 1, label: 'KSampler' })];
 */
export async function runKSampler(o: RunKSamplerOptions): Promise<Latent> {
  const { ctx, latent } = o;
  const shape = latent.samples.shape;
  const noise =
    o.addNoise === false
      ? Tensor.zeros('float32', shape)
      : prepareNoise({
          seed: o.seed,
          shape,
          ...(latent.batchIndex ? { batchIndex: latent.batchIndex } : {}),
        });
  const reporter = createStepReporter({ progress: (v, m, p) => ctx.progress(v, m, p), log: ctx.log });
  try {
    const { samples, masks } = await sampleLatentWithMasks({
      env: ctx.env,
      model: o.model,
      positive: o.positive,
      negative: o.negative,
      latent: latent.samples,
      noise,
      noiseSeed: o.seed,
      samplerName: o.samplerName,
      scheduler: o.scheduler,
      steps: o.steps,
      cfg: o.cfg,
      denoise: o.denoise,
      signal: ctx.signal,
      log: ctx.log,
      label: o.label,
      onReferencePass: ({ patchId, cached }) =>
        ctx.log.info(
          `${o.label}: reference pass of '${patchId}' ${cached ? 'reused from an earlier run' : 'done'}`,
        ),
      ...(o.window ? { window: o.window } : {}),
      ...(latent.noiseMask ? { noiseMask: latent.noiseMask } : {}),
      onStep: (progress) => {
        reporter.onStep(progress);
        return reporter.flush();
      },
    });
    const { masks: _earlier, ...kept } = latent;
    return Object.keys(masks).length === 0 ? { ...kept, samples } : { ...kept, samples, masks };
  } catch (err) {
    // Steps still being previewed must not be reported after the node failed or was interrupted.
    reporter.cancel();
    throw err;
  }
}
