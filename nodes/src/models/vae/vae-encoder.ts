/**
 * @module
 * diffusers `Encoder` of `AutoencoderKL` plus `quant_conv` and the diagonal Gaussian posterior:
 * conv_in -> down blocks (`layers_per_block` resnets, then a stride-2 conv between levels) -> mid
 * block -> GroupNorm -> SiLU -> conv_out (2 x latent channels) -> quant_conv -> mean, std.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { conv2d, silu } from '@momaflow/engine';
import { convWeights, inScope, normWeights, type WeightScope } from '../ldm-config';
import type { VaeConfig } from './vae-config';
import { vaeGroupNorm } from './vae-group-norm';
import { vaeMidBlock } from './vae-mid-block';
import { type VaeKernels, vaeResnetBlock } from './vae-resnet';

const EPS = 1e-6;

/** Posterior of the encoder. */
export interface VaePosterior {
  readonly mean: Value<'float32'>;
  readonly std: Value<'float32'>;
}

/**
 * diffusers `Downsample2D(padding=0)`: pad right and bottom by one, then a 3x3 stride-2 conv. The
 * asymmetric pad goes into the Conv's own `pads` (top, left, bottom, right) instead of a Pad node.
 */
function downsample(b: OnnxBuilder, w: WeightScope, x: Value<'float32'>, channels: number): Value<'float32'> {
  const cw = convWeights(w, 'conv', { inChannels: channels, outChannels: channels, kernel: 3 });
  return b.scope('conv', () =>
    b.op('Conv', [x, b.initializer('weight', cw.weight), b.initializer('bias', cw.bias!)], {
      kernel_shape: [3, 3],
      strides: [2, 2],
      pads: [0, 0, 1, 1],
    }),
  );
}

/**
 * Image [B, inChannels, H, W] in [-1, 1] -> posterior mean and std [B, latentChannels, H/8, W/8]
 * (for SD's 4 levels). The latent the UNet sees is `mean * scalingFactor` (or a sample
 * `mean + std * noise`, scaled the same way); the caller applies the scale.
 * @example
 * const { mean, std } = vaeEncoder(b, new WeightScope(weights), image, config, { attention: 'fused', conv3x3: 'auto' });
 */
export function vaeEncoder(
  b: OnnxBuilder,
  root: WeightScope,
  image: Value<'float32'>,
  config: VaeConfig,
  kernels: VaeKernels,
): VaePosterior {
  const c = config;
  const norm = { groups: c.normGroups, eps: EPS };
  const moments = 2 * c.latentChannels;
  let h = inScope(b, root, ['encoder'], (w) => {
    const first = c.blockOutChannels[0]!;
    let x = conv2d(
      b,
      convWeights(w, 'conv_in', { inChannels: c.inChannels, outChannels: first, kernel: 3 }),
      image,
      {
        padding: 1,
        name: 'conv_in',
      },
    );
    let prev = first;
    c.blockOutChannels.forEach((out, level) => {
      x = inScope(b, w, ['down_blocks', level], (dw) => {
        let y = x;
        for (let j = 0; j < c.layersPerBlock; j++) {
          const resnet = {
            inChannels: j === 0 ? prev : out,
            outChannels: out,
            ...norm,
            conv3x3: kernels.conv3x3,
          };
          y = inScope(b, dw, ['resnets', j], (rw) => vaeResnetBlock(b, rw, y, resnet));
        }
        if (level === c.blockOutChannels.length - 1) return y;
        return inScope(b, dw, ['downsamplers', 0], (sw) => downsample(b, sw, y, out));
      });
      prev = out;
    });
    x = vaeMidBlock(b, w, x, { channels: prev, ...norm, attention: c.midBlockAttention, kernels });
    const normOut = { ...norm, channels: prev, name: 'conv_norm_out' };
    x = silu(b, vaeGroupNorm(b, normWeights(w, 'conv_norm_out', prev), x, normOut));
    const convOut = { inChannels: prev, outChannels: moments, kernel: 3 };
    return conv2d(b, convWeights(w, 'conv_out', convOut), x, { padding: 1, name: 'conv_out' });
  });
  if (c.useQuantConv) {
    const quant = { inChannels: moments, outChannels: moments, kernel: 1 };
    h = conv2d(b, convWeights(root, 'quant_conv', quant), h, { name: 'quant_conv' });
  }
  return b.scope('posterior', () => {
    const half = b.constInt64([c.latentChannels, c.latentChannels]);
    const [mean, logvar] = b.opN('Split', [h, half], { axis: 1 }, { dtypes: ['float32', 'float32'] });
    // diffusers DiagonalGaussianDistribution: logvar clamped to [-30, 20], std = exp(logvar / 2).
    const clamped = b.op('Clip', [logvar, b.constFloat('float32', -30), b.constFloat('float32', 20)]);
    const std = b.op('Exp', [b.op('Mul', [clamped, b.constFloat('float32', 0.5)])]);
    return { mean, std };
  });
}
