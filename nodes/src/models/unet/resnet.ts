/**
 * @module
 * diffusers `ResnetBlock2D` with the default time-embedding injection (models/resnet.py
 * `ResnetBlock2D.forward`): norm -> silu -> conv -> add projected time embedding -> norm -> silu ->
 * conv, plus a 1x1 `conv_shortcut` when the channel count changes. Dropout is identity at inference.
 */
import type { Value } from '@momaflow/engine';
import { conv2d, conv3x3, groupNorm, silu, type WinogradChannelRange } from '@momaflow/engine';
import { convWeights, linearWeights, normWeights, type WeightScope, withConvDeltas } from '../ldm-config';
import type { UnetBuildContext } from './build-context';
import { gemmLinear } from './gemm-linear';

/**
 * Where `'auto'` uses Winograd: the SD1.5 levels at 64x64 and 32x32 latents (320 and 640 channels,
 * inputs up to 960 with the skip concat). Measured with test/bench/unet.ts (2 threads, median of 5):
 * 7.19 s per CFG step direct, 6.70 s with these; the 1280-channel levels run 16x16 and 8x8 maps, too
 * few tiles to pay for transforms, and their Winograd weights (4x the 1.7 GB of 3x3 kernels) would add 5 GB.
 */
const UNET_WINOGRAD_CHANNELS: WinogradChannelRange = { min: 256, max: 960 };

/** Channels in and out of one ResNet. */
export interface ResnetOptions {
  readonly inChannels: number;
  readonly outChannels: number;
}

/**
 * One ResNet under the current scope (`down_blocks.0.resnets.1`). `c.temb` already went through
 * silu, which diffusers applies inside every block to the same embedding.
 * @example
 * const h = inScope(b, w, ['resnets', 0], (rw) => resnetBlock2d(c, rw, x, { inChannels: 320, outChannels: 640 }));
 */
export function resnetBlock2d(
  c: UnetBuildContext,
  w: WeightScope,
  x: Value<'float32'>,
  o: ResnetOptions,
): Value<'float32'> {
  const { b } = c;
  const { normNumGroups: groups, normEps: eps } = c.layout.config;
  let h = groupNorm(b, normWeights(w, 'norm1', o.inChannels), x, { groups, eps, name: 'norm1' });
  h = silu(b, h);
  const conv = { setting: c.conv3x3, auto: UNET_WINOGRAD_CHANNELS } as const;
  const conv1 = convWeights(w, 'conv1', { ...o, kernel: 3 });
  h = withConvDeltas(b, conv1, h, conv3x3(b, conv1, h, { name: 'conv1', ...conv }), {
    name: 'conv1',
    padding: 1,
  });
  const tembW = linearWeights(w, 'time_emb_proj', {
    inFeatures: c.layout.timeEmbedDim,
    outFeatures: o.outChannels,
  });
  const t = gemmLinear(b, tembW, c.temb, 'time_emb_proj');
  h = b.op('Add', [h, b.op('Unsqueeze', [t, b.constInt64([2, 3])])]);
  h = groupNorm(b, normWeights(w, 'norm2', o.outChannels), h, { groups, eps, name: 'norm2' });
  h = silu(b, h);
  const conv2 = convWeights(w, 'conv2', { inChannels: o.outChannels, outChannels: o.outChannels, kernel: 3 });
  h = withConvDeltas(b, conv2, h, conv3x3(b, conv2, h, { name: 'conv2', ...conv }), {
    name: 'conv2',
    padding: 1,
  });
  const shortcutW =
    o.inChannels === o.outChannels ? undefined : convWeights(w, 'conv_shortcut', { ...o, kernel: 1 });
  const shortcut =
    shortcutW === undefined
      ? x
      : withConvDeltas(b, shortcutW, x, conv2d(b, shortcutW, x, { name: 'conv_shortcut' }), {
          name: 'conv_shortcut',
        });
  return b.op('Add', [shortcut, h]);
}
