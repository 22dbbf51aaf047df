/**
 * @module
 * diffusers `CrossAttnDownBlock2D` and `DownBlock2D` (models/unets/unet_2d_blocks.py): ResNets, each
 * followed by a Transformer2DModel in the cross-attention variant, then an optional downsampler. Every
 * ResNet / transformer output and the downsampler output go onto the skip stack.
 */
import type { Value } from '@momaflow/engine';
import { inScope, type WeightScope } from '../ldm-config';
import type { UnetBuildContext } from './build-context';
import { downsample2d } from './resampling';
import { resnetBlock2d } from './resnet';
import { transformer2d } from './transformer';
import type { DownBlockType } from './unet-config';
import type { DownBlockPlan } from './unet-layout';

/** A down block's output and the skips it pushed, in push order. */
export interface DownBlockResult {
  readonly h: Value<'float32'>;
  readonly skips: readonly Value<'float32'>[];
}

/** One down-block family. */
export type DownBlockFn = (
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  plan: DownBlockPlan,
) => DownBlockResult;

/** The shared body: ResNets (each optionally followed by `after`), then the downsampler. */
function resnetStack(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  plan: DownBlockPlan,
  after: (h: Value<'float32'>, j: number) => Value<'float32'>,
): DownBlockResult {
  const { b } = c;
  const skips: Value<'float32'>[] = [];
  let h = x;
  for (let j = 0; j < plan.layers; j++) {
    const inChannels = j === 0 ? plan.inChannels : plan.outChannels;
    h = inScope(b, w, ['resnets', j], (rw) =>
      resnetBlock2d(c, rw, h, { inChannels, outChannels: plan.outChannels }),
    );
    h = after(h, j);
    skips.push(h);
  }
  if (plan.addDownsample) {
    h = inScope(b, w, ['downsamplers', 0], (dw) => downsample2d(c, dw, h, plan.outChannels));
    skips.push(h);
  }
  return { h, skips };
}

/**
 * `CrossAttnDownBlock2D`: ResNet + Transformer2DModel per layer.
 * @example
 * const { h, skips } = inScope(b, w, ['down_blocks', 0], (bw) => crossAttnDownBlock2d(c, bw, x, layout.down[0]));
 */
export function crossAttnDownBlock2d(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  plan: DownBlockPlan,
): DownBlockResult {
  return resnetStack(c, w, x, plan, (h, j) =>
    inScope(c.b, w, ['attentions', j], (tw) =>
      transformer2d(c, tw, h, { channels: plan.outChannels, depth: plan.transformerDepth }),
    ),
  );
}

/**
 * `DownBlock2D`: ResNets only.
 * @example
 * const { h, skips } = inScope(b, w, ['down_blocks', 3], (bw) => downBlock2d(c, bw, x, layout.down[3]));
 */
export function downBlock2d(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  plan: DownBlockPlan,
): DownBlockResult {
  return resnetStack(c, w, x, plan, (h) => h);
}

/** Down-block builders by diffusers class name. */
export const DOWN_BLOCKS = {
  CrossAttnDownBlock2D: crossAttnDownBlock2d,
  DownBlock2D: downBlock2d,
} as const satisfies Record<DownBlockType, DownBlockFn>;
