/**
 * @module
 * diffusers `UNetMidBlock2DCrossAttn` (models/unets/unet_2d_blocks.py): ResNet, then for each
 * Transformer2DModel one more ResNet (SD1.x: ResNet, transformer, ResNet).
 */
import type { Value } from '@momaflow/engine';
import { inScope, type WeightScope } from '../ldm-config';
import type { UnetBuildContext } from './build-context';
import { resnetBlock2d } from './resnet';
import { transformer2d } from './transformer';
import type { MidBlockPlan } from './unet-layout';

/**
 * The mid block under the current scope (`mid_block`).
 * @example
 * const h = inScope(b, w, ['mid_block'], (mw) => unetMidBlock2dCrossAttn(c, mw, x, layout.mid));
 */
export function unetMidBlock2dCrossAttn(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  plan: MidBlockPlan,
): Value<'float32'> {
  const { b } = c;
  const channels = { inChannels: plan.channels, outChannels: plan.channels };
  let h = inScope(b, w, ['resnets', 0], (rw) => resnetBlock2d(c, rw, x, channels));
  h = inScope(b, w, ['attentions', 0], (tw) =>
    transformer2d(c, tw, h, { channels: plan.channels, depth: plan.transformerDepth }),
  );
  return inScope(b, w, ['resnets', 1], (rw) => resnetBlock2d(c, rw, h, channels));
}
