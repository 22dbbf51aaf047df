/**
 * @module
 * diffusers `ResnetBlock2D` as the VAE uses it (no time embedding, output scale 1): norm1 -> silu ->
 * conv1 -> norm2 -> silu -> conv2, plus the input through a 1x1 `conv_shortcut` when channels change.
 */
import type { Value } from '@momaflow/engine';
import { conv2d, type OnnxBuilder, silu } from '@momaflow/engine';
import type { WeightScope } from '../ldm-config';
import { convWeights, normWeights } from '../ldm-config';
import { vaeGroupNorm } from './vae-group-norm';

/** GroupNorm settings shared by every VAE norm. */
export interface VaeNormOptions {
  readonly groups: number;
  /** 1e-6 in both diffusers and LDM VAEs (torch's default 1e-5 would be off by a hair). */
  readonly eps: number;
}

/** Options of `vaeResnetBlock`. */
export interface VaeResnetOptions extends VaeNormOptions {
  readonly inChannels: number;
  readonly outChannels: number;
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
  h = conv2d(
    b,
    convWeights(w, 'conv1', { inChannels: o.inChannels, outChannels: o.outChannels, kernel: 3 }),
    h,
    {
      padding: 1,
      name: 'conv1',
    },
  );
  h = vaeGroupNorm(b, normWeights(w, 'norm2', o.outChannels), h, {
    ...norm,
    channels: o.outChannels,
    name: 'norm2',
  });
  h = silu(b, h);
  h = conv2d(
    b,
    convWeights(w, 'conv2', { inChannels: o.outChannels, outChannels: o.outChannels, kernel: 3 }),
    h,
    {
      padding: 1,
      name: 'conv2',
    },
  );
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
