/**
 * @module
 * diffusers `ResnetBlock2D` with the default time-embedding injection (models/resnet.py
 * `ResnetBlock2D.forward`): norm -> silu -> conv -> add projected time embedding -> norm -> silu ->
 * conv, plus a 1x1 `conv_shortcut` when the channel count changes. Dropout is identity at inference.
 */
import type { Value } from '@momaflow/engine';
import { conv2d, groupNorm, silu } from '@momaflow/engine';
import { convWeights, linearWeights, normWeights, type WeightScope } from '../ldm-config';
import type { UnetBuildContext } from './build-context';
import { gemmLinear } from './gemm-linear';

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
  h = conv2d(b, convWeights(w, 'conv1', { ...o, kernel: 3 }), h, { padding: 1, name: 'conv1' });
  const tembW = linearWeights(w, 'time_emb_proj', {
    inFeatures: c.layout.timeEmbedDim,
    outFeatures: o.outChannels,
  });
  const t = gemmLinear(b, tembW, c.temb, 'time_emb_proj');
  h = b.op('Add', [h, b.op('Unsqueeze', [t, b.constInt64([2, 3])])]);
  h = groupNorm(b, normWeights(w, 'norm2', o.outChannels), h, { groups, eps, name: 'norm2' });
  h = silu(b, h);
  const conv2 = convWeights(w, 'conv2', { inChannels: o.outChannels, outChannels: o.outChannels, kernel: 3 });
  h = conv2d(b, conv2, h, { padding: 1, name: 'conv2' });
  const shortcut =
    o.inChannels === o.outChannels
      ? x
      : conv2d(b, convWeights(w, 'conv_shortcut', { ...o, kernel: 1 }), x, { name: 'conv_shortcut' });
  return b.op('Add', [shortcut, h]);
}
