/**
 * @module
 * The front half that SD1.x UNet-shaped graphs share (diffusers `UNet2DConditionModel.forward` up to
 * the mid block): the `sample` / `timestep` / `encoder_hidden_states` inputs, the time embedding, the
 * build context every block reads, `conv_in`, and the down blocks with their skip stack. The UNet
 * graph continues with the mid and up blocks; a ControlNet adds its hint after `conv_in` and taps the
 * skips and the mid block (models/controlnets/controlnet.py), so both build these parts from here.
 */
import type { Conv3x3Setting, OnnxBuilder, Value } from '@momaflow/engine';
import { conv2d, silu, timestepEmbedding } from '@momaflow/engine';
import { convWeights, inScope, linearWeights, type WeightScope, withConvDeltas } from '../ldm-config';
import type { AttentionKernel, UnetBuildContext } from './build-context';
import { DOWN_BLOCKS } from './down-blocks';
import { gemmLinear } from './gemm-linear';
import { listHookPoints } from './hook-points';
import type { ModelPatch } from './model-patch';
import { PatchIo } from './patch-io';
import type { UnetLayout } from './unet-layout';

/** Fixed graph input names of the UNet-shaped front half. */
export const UNET_STEM_INPUT_NAMES = {
  sample: 'sample',
  timestep: 'timestep',
  encoderHiddenStates: 'encoder_hidden_states',
} as const;

/** The graph inputs the front half reads. */
export interface UnetStemInputs {
  /** [B, in_channels, H, W]. */
  readonly sample: Value<'float32'>;
  /** float [1 | B], broadcast to B. */
  readonly timestep: Value<'float32'>;
  /** [B, tokens, cross_attention_dim]. */
  readonly context: Value<'float32'>;
}

/** How the blocks are built. */
export interface UnetStemOptions {
  readonly attention: AttentionKernel;
  readonly patches: readonly ModelPatch[];
  readonly conv3x3: Conv3x3Setting;
}

/** Time embedding: `time_proj` (sinusoidal) -> `time_embedding` (linear_1, silu, linear_2). */
function timeEmbedding(
  b: OnnxBuilder,
  w: WeightScope,
  layout: UnetLayout,
  t: Value<'float32'>,
): Value<'float32'> {
  const { config, timeEmbedDim } = layout;
  const c0 = config.blockOutChannels[0] ?? 0;
  const proj = b.scope('time_proj', () =>
    timestepEmbedding(b, t, {
      dim: c0,
      flipSinToCos: config.flipSinToCos,
      downscaleFreqShift: config.freqShift,
    }),
  );
  return inScope(b, w, ['time_embedding'], (tw) => {
    const l1w = linearWeights(tw, 'linear_1', { inFeatures: c0, outFeatures: timeEmbedDim });
    const l2w = linearWeights(tw, 'linear_2', { inFeatures: timeEmbedDim, outFeatures: timeEmbedDim });
    return gemmLinear(b, l2w, silu(b, gemmLinear(b, l1w, proj, 'linear_1')), 'linear_2');
  });
}

/**
 * Declare `sample` [B, C, H, W], `timestep` float [1 | B] and `encoder_hidden_states` [B, L, D].
 * @example
 * const inputs = unetStemInputs(b, layout);
 */
export function unetStemInputs(b: OnnxBuilder, layout: UnetLayout): UnetStemInputs {
  const { config } = layout;
  return {
    sample: b.input(UNET_STEM_INPUT_NAMES.sample, 'float32', ['batch', config.inChannels, 'height', 'width']),
    timestep: b.input(UNET_STEM_INPUT_NAMES.timestep, 'float32', ['timesteps']),
    context: b.input(UNET_STEM_INPUT_NAMES.encoderHiddenStates, 'float32', [
      'batch',
      'tokens',
      config.crossAttentionDim,
    ]),
  };
}

/**
 * The context every block of this build reads: the shared time embedding `silu(time_embedding(t))`,
 * the text context as rows, the batch size and the attention setup with the model's patches.
 * @example
 * const c = unetBuildContext(b, w, layout, inputs, { attention: 'fused', patches: [], conv3x3: 'auto' });
 */
export function unetBuildContext(
  b: OnnxBuilder,
  w: WeightScope,
  layout: UnetLayout,
  inputs: UnetStemInputs,
  o: UnetStemOptions,
): UnetBuildContext {
  const batch = b.op('Slice', [
    b.op('Shape', [inputs.sample], {}, { dtype: 'int64' }),
    b.constInt64([0]),
    b.constInt64([1]),
  ]);
  const t = b.op('Expand', [b.op('Reshape', [inputs.timestep, b.constInt64([-1])]), batch]);
  return {
    b,
    layout,
    temb: silu(b, timeEmbedding(b, w, layout, t)),
    context: inputs.context,
    contextRows: b.op('Reshape', [inputs.context, b.constInt64([-1, layout.config.crossAttentionDim])]),
    batch,
    attention: {
      kernel: o.attention,
      patches: o.patches,
      points: new Map(listHookPoints(layout).map((p) => [p.id, p])),
      io: new PatchIo(b),
    },
    conv3x3: o.conv3x3,
  };
}

/**
 * `conv_in` of the latent sample.
 * @example
 * const h = unetConvIn(c, w, inputs.sample);
 */
export function unetConvIn(c: UnetBuildContext, w: WeightScope, sample: Value<'float32'>): Value<'float32'> {
  const { config } = c.layout;
  const c0 = config.blockOutChannels[0] ?? 0;
  const weights = convWeights(w, 'conv_in', { inChannels: config.inChannels, outChannels: c0, kernel: 3 });
  const geometry = { padding: 1, name: 'conv_in' } as const;
  return withConvDeltas(c.b, weights, sample, conv2d(c.b, weights, sample, geometry), geometry);
}

/**
 * The down blocks from `conv_in`'s output `h`: the lowest-resolution features and the skip stack
 * (`down_block_res_samples`: `h` itself first, then every ResNet / transformer / downsampler output).
 * @example
 * const { h, skips } = unetDownPath(c, w, unetConvIn(c, w, inputs.sample));
 */
export function unetDownPath(
  c: UnetBuildContext,
  w: WeightScope,
  h: Value<'float32'>,
): { readonly h: Value<'float32'>; readonly skips: readonly Value<'float32'>[] } {
  const skips: Value<'float32'>[] = [h];
  let x = h;
  for (const plan of c.layout.down) {
    const r = inScope(c.b, w, ['down_blocks', plan.index], (bw) => DOWN_BLOCKS[plan.type](c, bw, x, plan));
    x = r.h;
    skips.push(...r.skips);
  }
  return { h: x, skips };
}
