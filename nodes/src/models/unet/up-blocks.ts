/**
 * @module
 * diffusers `CrossAttnUpBlock2D` and `UpBlock2D` (models/unets/unet_2d_blocks.py): for each layer,
 * concatenate the last skip on the channel axis, ResNet (then a Transformer2DModel in the
 * cross-attention variant); then an optional upsampler to the size of the next skip.
 */
import type { Value } from '@momaflow/engine';
import { inScope, type WeightScope } from '../ldm-config';
import type { UnetBuildContext } from './build-context';
import { upsample2d } from './resampling';
import { resnetBlock2d } from './resnet';
import { transformer2d } from './transformer';
import type { UpBlockType } from './unet-config';
import type { UpBlockPlan } from './unet-layout';

/** Inputs of an up block besides its weights. */
export interface UpBlockInput {
  readonly x: Value<'float32'>;
  /** The skips this block consumes, most recent first (the order it pops them). */
  readonly skips: readonly Value<'float32'>[];
  /** The skip the next block pops first: the upsampler's target size; absent for the last block. */
  readonly next: Value<'float32'> | undefined;
}

/** One up-block family. */
export type UpBlockFn = (
  c: UnetBuildContext,
  w: WeightScope,
  input: UpBlockInput,
  plan: UpBlockPlan,
) => Value<'float32'>;

function resnetStack(
  c: UnetBuildContext,
  w: WeightScope,
  input: UpBlockInput,
  plan: UpBlockPlan,
  after: (h: Value<'float32'>, j: number) => Value<'float32'>,
): Value<'float32'> {
  const { b } = c;
  let h = input.x;
  plan.resnetInChannels.forEach((inChannels, j) => {
    const skip = input.skips[j];
    if (skip === undefined) throw new RangeError(`up block ${plan.index} has no skip for resnet ${j}`);
    const cat = b.op('Concat', [h, skip], { axis: 1 });
    h = inScope(b, w, ['resnets', j], (rw) =>
      resnetBlock2d(c, rw, cat, { inChannels, outChannels: plan.outChannels }),
    );
    h = after(h, j);
  });
  const next = input.next;
  if (plan.addUpsample && next !== undefined) {
    h = inScope(b, w, ['upsamplers', 0], (uw) => upsample2d(c, uw, h, next, plan.outChannels));
  }
  return h;
}

/**
 * `CrossAttnUpBlock2D`: ResNet + Transformer2DModel per layer.
 * @example
 * const h = inScope(b, w, ['up_blocks', 1], (bw) => crossAttnUpBlock2d(c, bw, { x, skips, next }, layout.up[1]));
 */
export function crossAttnUpBlock2d(
  c: UnetBuildContext,
  w: WeightScope,
  input: UpBlockInput,
  plan: UpBlockPlan,
): Value<'float32'> {
  return resnetStack(c, w, input, plan, (h, j) =>
    inScope(c.b, w, ['attentions', j], (tw) =>
      transformer2d(c, tw, h, { channels: plan.outChannels, depth: plan.transformerDepth }),
    ),
  );
}

/**
 * `UpBlock2D`: ResNets only.
 * @example
 * const h = inScope(b, w, ['up_blocks', 0], (bw) => upBlock2d(c, bw, { x, skips, next }, layout.up[0]));
 */
export function upBlock2d(
  c: UnetBuildContext,
  w: WeightScope,
  input: UpBlockInput,
  plan: UpBlockPlan,
): Value<'float32'> {
  return resnetStack(c, w, input, plan, (h) => h);
}

/** Up-block builders by diffusers class name. */
export const UP_BLOCKS = {
  CrossAttnUpBlock2D: crossAttnUpBlock2d,
  UpBlock2D: upBlock2d,
} as const satisfies Record<UpBlockType, UpBlockFn>;
