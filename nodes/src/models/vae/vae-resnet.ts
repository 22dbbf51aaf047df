/**
 * @module
 * diffusers `ResnetBlock2D` as the VAE uses it (no time embedding, output scale 1): norm1 -> silu ->
 * conv1 -> norm2 -> silu -> conv2, plus the input through a 1x1 `conv_shortcut` when channels change.
 */
import type { Value } from '@momaflow/engine';
import {
  type Conv3x3Setting,
  conv2d,
  conv3x3,
  type OnnxBuilder,
  silu,
  type WinogradChannelRange,
} from '@momaflow/engine';
import type { WeightScope } from '../ldm-config';
import { convWeights, normWeights } from '../ldm-config';
import type { VaeAttentionKernel } from './vae-attention';
import { vaeGroupNorm } from './vae-group-norm';

/** GroupNorm settings shared by every VAE norm. */
export interface VaeNormOptions {
  readonly groups: number;
  /** 1e-6 in both diffusers and LDM VAEs (torch's default 1e-5 would be off by a hair). */
  readonly eps: number;
}

/**
 * Where `'auto'` uses Winograd. Profiled on the SD1.5 decoder (64x64 latent, 2 threads), resnet
 * kernel time per level: 512 channels at 128x128 about 1.7-1.9 s -> 1.1 s, 256 channels at 256x256
 * 2.4-2.6 s -> 1.6-1.9 s, but 128 channels at 512x512 only 2.6 -> 2.5 s while adding 300 MB of
 * transform buffers: 128 stays direct.
 */
const VAE_WINOGRAD_CHANNELS: WinogradChannelRange = { min: 256, max: Number.POSITIVE_INFINITY };

/** The kernel choices of a VAE graph, passed down from `VaeGraphOptions`. */
export interface VaeKernels {
  readonly attention: VaeAttentionKernel;
  readonly conv3x3: Conv3x3Setting;
}

/** Options of `vaeResnetBlock`. */
export interface VaeResnetOptions extends VaeNormOptions {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Default `'auto'`. */
  readonly conv3x3?: Conv3x3Setting;
}

/**
 * One residual block at the scope of `w` (e.g. `decoder.up_blocks.0.resnets.1`).
 * @example
 * const h = inScope(b, w, ['resnets', 0], (rw) => vaeResnetBlock(b, rw, x, { inChannels: 512, outChannels: 256, groups: 32, eps: 1e-6 }));
 */
export function vaeResnetBlock(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: VaeResnetOptions,
): Value<'float32'> {
  const norm = { groups: o.groups, eps: o.eps };
  let h = vaeGroupNorm(b, normWeights(w, 'norm1', o.inChannels), x, {
    ...norm,
    channels: o.inChannels,
    name: 'norm1',
  });
  h = silu(b, h);
  const conv = { setting: o.conv3x3 ?? 'auto', auto: VAE_WINOGRAD_CHANNELS } as const;
  const conv1 = { inChannels: o.inChannels, outChannels: o.outChannels, kernel: 3 };
  h = conv3x3(b, convWeights(w, 'conv1', conv1), h, { name: 'conv1', ...conv });
  h = vaeGroupNorm(b, normWeights(w, 'norm2', o.outChannels), h, {
    ...norm,
    channels: o.outChannels,
    name: 'norm2',
  });
  h = silu(b, h);
  const conv2 = { inChannels: o.outChannels, outChannels: o.outChannels, kernel: 3 };
  h = conv3x3(b, convWeights(w, 'conv2', conv2), h, { name: 'conv2', ...conv });
  const shortcut =
    o.inChannels === o.outChannels
      ? x
      : conv2d(
          b,
          convWeights(w, 'conv_shortcut', {
            inChannels: o.inChannels,
            outChannels: o.outChannels,
            kernel: 1,
          }),
          x,
          {
            name: 'conv_shortcut',
          },
        );
  return b.op('Add', [shortcut, h]);
}
