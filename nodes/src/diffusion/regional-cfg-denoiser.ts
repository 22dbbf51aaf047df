/**
 * @module
 * The guided denoiser for area / mask / strength conditioning (conditioning-regions.ts): every entry of
 * both sides runs on its crop of the latent, entries whose crops have the same size share one UNet
 * call, and each side's predictions are combined by their weights before classifier-free guidance.
 * k-diffusion (sigma domain) only, as in ComfyUI.
 */
import { EngineError, type Tensor } from '@momaflow/engine';
import {
  cfgCombine,
  type Denoiser,
  denoisedFromEpsilon,
  scaleModelInput,
  sigmaToTimestep,
} from '../samplers';
import { concatBatch, rowsForBatch, sliceBatch } from './batch-tensors';
import type { CfgDenoiserOptions } from './cfg-denoiser';
import { combineRegions, cropArea, type RegionEntry, resolveRegions } from './conditioning-regions';

interface Job {
  readonly side: number;
  readonly region: RegionEntry;
}

/**
 * A `Denoiser` that evaluates each conditioning entry on its region.
 * @throws EngineError `unsupported_sampler` for timestep-domain samplers (diffusers DDIM).
 * @example
 * const denoise = createRegionalCfgDenoiser({ unet, positive, negative, cfg: 7, domain: 'sigma', schedule: SD1_SCHEDULE, batch: 1 });
 */
export function createRegionalCfgDenoiser(o: CfgDenoiserOptions): Denoiser {
  if (o.domain !== 'sigma') {
    throw new EngineError(
      'unsupported_sampler',
      'area and mask conditioning need a k-diffusion sampler; ddim_diffusers does not support them',
    );
  }
  let jobs: Job[] | undefined;
  return async (x, level, stepIndex) => {
    if (jobs === undefined) {
      const regions = resolveRegions({ positive: o.positive, negative: o.negative, shape: x.shape });
      const sides = o.cfg === 1 ? [regions.positive] : [regions.positive, regions.negative];
      jobs = sides.flatMap((side, s) => side.map((region) => ({ side: s, region })));
    }
    const predictions = new Map<Job, Tensor<'float32'>>();
    const bySize = new Map<string, Job[]>();
    for (const j of jobs) {
      const key = `${j.region.area.height}x${j.region.area.width}`;
      bySize.set(key, [...(bySize.get(key) ?? []), j]);
    }
    for (const group of bySize.values()) {
      const crops = group.map((j) => cropArea(x as Tensor<'float32'>, j.region.area));
      const sample = concatBatch(crops.map((c) => scaleModelInput(c, level) as Tensor<'float32'>));
      const context = concatBatch(group.map((j) => rowsForBatch(j.region.context, o.batch)));
      const timestep = sigmaToTimestep(o.schedule, level);
      const isWhole = crops[0]!.shape.join('x') === x.shape.join('x');
      if (o.control !== undefined && !isWhole) {
        throw new EngineError(
          'unsupported_conditioning',
          'ControlNet together with area or mask-bounds conditioning (entries on a crop of the latent) is not supported yet',
        );
      }
      const entries = group.map((j) => j.region.entry);
      const controlResiduals = await o.control?.({
        entries,
        batch: o.batch,
        sample,
        context,
        timestep,
        sigma: level,
      });
      const { noisePred } = await o.unet.run({
        sample,
        timestep,
        encoderHiddenStates: context,
        ...(controlResiduals === undefined ? {} : { controlResiduals }),
        step: { index: stepIndex, sigma: level },
      });
      group.forEach((j, k) => {
        const eps = sliceBatch(noisePred, k * o.batch, o.batch);
        predictions.set(j, denoisedFromEpsilon(crops[k]!, eps, level) as Tensor<'float32'>);
      });
    }
    const side = (s: number) =>
      combineRegions(
        x.shape,
        jobs!.filter((j) => j.side === s).map((j) => ({ region: j.region, prediction: predictions.get(j)! })),
      );
    const cond = side(0);
    return o.cfg === 1 ? cond : cfgCombine(side(1), cond, o.cfg);
  };
}
