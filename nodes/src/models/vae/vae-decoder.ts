/**
 * @module
 * diffusers `Decoder` of `AutoencoderKL` (with `post_quant_conv` first): conv_in -> mid block -> up
 * blocks (`layers_per_block + 1` resnets each, nearest 2x + conv between levels, computed as four
 * low-resolution 2x2 convs: see `vae-upsample.ts`) -> GroupNorm -> SiLU
 * -> conv_out. Resnet 3x3 convs with 256+ channels use Winograd (`VaeGraphOptions.conv3x3`). Spatial sizes
 * stay symbolic, so one graph decodes any latent size.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { conv2d, silu } from '@momaflow/engine';
import { convWeights, inScope, normWeights, type WeightScope } from '../ldm-config';
import type { VaeConfig } from './vae-config';
import { vaeGroupNorm } from './vae-group-norm';
import { vaeMidBlock } from './vae-mid-block';
import { type VaeKernels, vaeResnetBlock } from './vae-resnet';
import { upsampleConv3x3 } from './vae-upsample';

const EPS = 1e-6;

/**
 * Latent [B, latentChannels, h, w] (already divided by the scaling factor) -> image
 * [B, outChannels, 8h, 8w] for SD's 4 levels, roughly in [-1, 1] and not clamped.
 * @example
 * const image = vaeDecoder(b, new WeightScope(weights), latent, config, { attention: 'fused', conv3x3: 'auto' });
 */
export function vaeDecoder(
  b: OnnxBuilder,
  root: WeightScope,
  latent: Value<'float32'>,
  config: VaeConfig,
  kernels: VaeKernels,
): Value<'float32'> {
  const c = config;
  const latentConv = { inChannels: c.latentChannels, outChannels: c.latentChannels, kernel: 1 };
  const z = c.usePostQuantConv
    ? conv2d(b, convWeights(root, 'post_quant_conv', latentConv), latent, { name: 'post_quant_conv' })
    : latent;
  const channels = [...c.blockOutChannels].reverse();
  const top = channels[0]!;
  const norm = { groups: c.normGroups, eps: EPS };
  return inScope(b, root, ['decoder'], (w) => {
    const convIn = { inChannels: c.latentChannels, outChannels: top, kernel: 3 };
    let h = conv2d(b, convWeights(w, 'conv_in', convIn), z, { padding: 1, name: 'conv_in' });
    h = vaeMidBlock(b, w, h, { channels: top, ...norm, attention: c.midBlockAttention, kernels });
    let prev = top;
    channels.forEach((out, level) => {
      h = inScope(b, w, ['up_blocks', level], (uw) => {
        let x = h;
        for (let j = 0; j <= c.layersPerBlock; j++) {
          const resnet = {
            inChannels: j === 0 ? prev : out,
            outChannels: out,
            ...norm,
            conv3x3: kernels.conv3x3,
          };
          x = inScope(b, uw, ['resnets', j], (rw) => vaeResnetBlock(b, rw, x, resnet));
        }
        if (level === channels.length - 1) return x;
        return inScope(b, uw, ['upsamplers', 0], (sw) => {
          const cw = convWeights(sw, 'conv', { inChannels: out, outChannels: out, kernel: 3 });
          return b.scope('conv', () => upsampleConv3x3(b, cw, x));
        });
      });
      prev = out;
    });
    const bottom = c.blockOutChannels[0]!;
    const normOut = { ...norm, channels: bottom, name: 'conv_norm_out' };
    h = silu(b, vaeGroupNorm(b, normWeights(w, 'conv_norm_out', bottom), h, normOut));
    const convOut = { inChannels: bottom, outChannels: c.outChannels, kernel: 3 };
    return conv2d(b, convWeights(w, 'conv_out', convOut), h, { padding: 1, name: 'conv_out' });
  });
}
