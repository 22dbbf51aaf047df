/**
 * @module
 * Classifier-free guidance around a UNet session as one batched call per step: the latents are
 * repeated once per conditioning entry, negative entries first ([uncond; cond], as diffusers and
 * ComfyUI batch them), run together, split, averaged per side and combined with `cfgCombine`. In the
 * sigma domain (k-diffusion) the UNet input is scaled by 1 / sqrt(sigma^2 + 1), called at the nearest
 * training timestep and turned into denoised x0 before guidance (ComfyUI `cfg_function`); in the
 * timestep domain (diffusers DDIM) guidance applies to the predicted noise. At cfg 1 the negative pass
 * is skipped, as ComfyUI does.
 */
import type { Tensor } from '@momaflow/engine';
import type { ControlResidualSource } from '../controlnet/control-run';
import type { UnetRun } from '../models/unet';
import {
  cfgCombine,
  type Denoiser,
  type DiscreteSchedule,
  denoisedFromEpsilon,
  type NoiseLevelDomain,
  scaleModelInput,
  sigmaToTimestep,
} from '../samplers';
import { concatBatch, meanOf, rowsForBatch, sliceBatch } from './batch-tensors';
import { hasRegions } from './conditioning-regions';
import type { Conditioning } from './diffusion-types';
import { guidedEntries } from './guided-rows';
import { createRegionalCfgDenoiser } from './regional-cfg-denoiser';

/** Options of `createCfgDenoiser`. */
export interface CfgDenoiserOptions {
  /** The UNet run to call, started with `guidedRows` of the same entries (only `run` is used). */
  readonly unet: Pick<UnetRun, 'run'>;
  readonly positive: Conditioning;
  readonly negative: Conditioning;
  readonly cfg: number;
  readonly domain: NoiseLevelDomain;
  readonly schedule: DiscreteSchedule;
  /** Latents per call (the LATENT batch). */
  readonly batch: number;
  /** ControlNet residuals per call (controlnet/control-run.ts), when an entry has a ControlNet. */
  readonly control?: ControlResidualSource;
}

/**
 * The `Denoiser` a `sample` run calls: x0 estimates (sigma domain) or noise predictions (timestep
 * domain), guided.
 * @example
 * const denoise = createCfgDenoiser({ unet, positive, negative, cfg: 7.5, domain: 'sigma', schedule: SD1_SCHEDULE, batch: 1 });
 */
export function createCfgDenoiser(o: CfgDenoiserOptions): Denoiser {
  // Area / mask / strength entries are evaluated per region (ComfyUI `calc_cond_batch`).
  if (hasRegions([o.positive, o.negative])) return createRegionalCfgDenoiser(o);
  const guided = guidedEntries(o);
  const entries = guided.map((g) => g.entry);
  const uncond = guided.filter((g) => g.role === 'uncond').length;
  const context = concatBatch(entries.map((e) => rowsForBatch(e.context, o.batch)));
  return async (x, level, stepIndex) => {
    const isSigma = o.domain === 'sigma';
    const input = isSigma ? scaleModelInput(x, level) : x;
    const sample = concatBatch(new Array<Tensor<'float32'>>(entries.length).fill(input));
    const timestep = isSigma ? sigmaToTimestep(o.schedule, level) : level;
    const sigma = isSigma ? level : undefined;
    const controlResiduals = await o.control?.({ entries, batch: o.batch, sample, context, timestep, sigma });
    const { noisePred } = await o.unet.run({
      sample,
      timestep,
      encoderHiddenStates: context,
      ...(controlResiduals === undefined ? {} : { controlResiduals }),
      step: { index: stepIndex, ...(isSigma ? { sigma: level } : {}) },
    });
    const outputs = entries.map((_, i) => {
      const eps = sliceBatch(noisePred, i * o.batch, o.batch);
      return isSigma ? denoisedFromEpsilon(x, eps, level) : eps;
    });
    const cond = meanOf(outputs.slice(uncond));
    if (uncond === 0) return cond;
    return cfgCombine(meanOf(outputs.slice(0, uncond)), cond, o.cfg);
  };
}
