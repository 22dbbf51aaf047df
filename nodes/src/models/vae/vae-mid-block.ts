/**
 * @module
 * diffusers `UNetMidBlock2D` of the VAE (LDM `mid.block_1`, `mid.attn_1`, `mid.block_2`): resnet ->
 * self-attention -> resnet at the lowest resolution.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { inScope, type WeightScope } from '../ldm-config';
import { vaeAttentionBlock } from './vae-attention';
import { type VaeKernels, type VaeNormOptions, vaeResnetBlock } from './vae-resnet';

/** Options of `vaeMidBlock`. */
export interface VaeMidBlockOptions extends VaeNormOptions {
  readonly channels: number;
  /** False for configs with `mid_block_add_attention: false`. */
  readonly attention: boolean;
  readonly kernels: VaeKernels;
}

/**
 * The mid block at the scope of `w` (`encoder` or `decoder`); weights under `mid_block.*`.
 * @example
 * h = vaeMidBlock(b, w.at('decoder'), h, { channels: 512, groups: 32, eps: 1e-6, attention: true, kernels });
 */
export function vaeMidBlock(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: VaeMidBlockOptions,
): Value<'float32'> {
  const resnet = {
    inChannels: o.channels,
    outChannels: o.channels,
    groups: o.groups,
    eps: o.eps,
    conv3x3: o.kernels.conv3x3,
  };
  return inScope(b, w, ['mid_block'], (mw) => {
    let h = inScope(b, mw, ['resnets', 0], (rw) => vaeResnetBlock(b, rw, x, resnet));
    if (o.attention) {
      h = inScope(b, mw, ['attentions', 0], (aw) =>
        vaeAttentionBlock(b, aw, h, {
          channels: o.channels,
          groups: o.groups,
          eps: o.eps,
          kernel: o.kernels.attention,
        }),
      );
    }
    return inScope(b, mw, ['resnets', 1], (rw) => vaeResnetBlock(b, rw, h, resnet));
  });
}
