/**
 * @module
 * diffusers `ControlNetModel.forward` (models/controlnets/controlnet.py) as an ONNX graph, built from
 * the UNet's own blocks (unet-stem.ts, mid-block.ts): time embedding, `conv_in` plus the embedded hint,
 * the down blocks and the mid block, a zero conv (1x1) on every skip and on the mid-block output, and
 * the conditioning scale. Its outputs are the residuals the UNet graph takes as
 * `down_block_additional_residuals.{i}` / `mid_block_additional_residual`.
 */
import type { Conv3x3Setting, OnnxModel, Value } from '@momaflow/engine';
import { conv2d, OnnxBuilder } from '@momaflow/engine';
import { convWeights, inScope, type WeightMap, WeightScope } from '../ldm-config';
import {
  type AttentionKernel,
  type UnetBuildContext,
  type UnetLayout,
  unetBuildContext,
  unetConvIn,
  unetDownPath,
  unetMidBlock2dCrossAttn,
  unetStemInputs,
} from '../unet';
import type { ControlNetConfig } from './controlnet-config';
import { HINT_EMBEDDING_IO } from './hint-embedding-graph';

/** Graph-shaping options. */
export interface ControlNetGraphOptions {
  /** Default `'fused'`. */
  readonly attention?: AttentionKernel;
  /** Default `'auto'`, as the UNet (its down path is the UNet's). */
  readonly conv3x3?: Conv3x3Setting;
}

/** Input and output names besides the UNet's `sample`, `timestep`, `encoder_hidden_states`. */
export const CONTROLNET_IO = {
  embedding: HINT_EMBEDDING_IO.embedding,
  scale: 'conditioning_scale',
  down: (i: number) => `down_block_res_samples.${i}`,
  mid: 'mid_block_res_sample',
} as const;

/** A 1x1 zero conv on `x`, then the conditioning scale; averaged over H, W for global pooling. */
function residual(
  c: UnetBuildContext,
  w: WeightScope,
  name: string,
  x: Value<'float32'>,
  o: { readonly channels: number; readonly scale: Value<'float32'>; readonly pool: boolean },
): Value<'float32'> {
  const { b } = c;
  const weights = convWeights(w, name, { inChannels: o.channels, outChannels: o.channels, kernel: 1 });
  let r = b.op('Mul', [conv2d(b, weights, x, { name }), o.scale]);
  if (o.pool) {
    // ComfyUI `global_average_pooling`: the mean repeated over the map, so the UNet adds it everywhere.
    const mean = b.op('ReduceMean', [r], { axes: [2, 3], keepdims: 1 });
    r = b.op('Expand', [mean, b.op('Shape', [r], {}, { dtype: 'int64' })]);
  }
  return r;
}

/**
 * The ControlNet graph: `sample` [B, C, H, W], `timestep` [1 | B], `encoder_hidden_states` [B, L, D],
 * `controlnet_cond_embedding` [B, c0, H, W] (from the hint embedding graph) and `conditioning_scale`
 * [1] -> `down_block_res_samples.{i}` (one per UNet skip) and `mid_block_res_sample`.
 * @example
 * const model = buildControlNetGraph({ weights, config, layout });
 */
export function buildControlNetGraph(input: {
  readonly weights: WeightMap;
  readonly config: ControlNetConfig;
  readonly layout: UnetLayout;
  readonly options?: ControlNetGraphOptions;
}): OnnxModel {
  const { config, layout } = input;
  const b = OnnxBuilder.create({ name: 'controlnet', opset: 17 });
  const w = new WeightScope(input.weights);
  const inputs = unetStemInputs(b, layout);
  const c0 = config.unet.blockOutChannels[0] ?? 0;
  const embedding = b.input(CONTROLNET_IO.embedding, 'float32', ['batch', c0, 'height', 'width']);
  const scale = b.input(CONTROLNET_IO.scale, 'float32', [1]);
  const c = unetBuildContext(b, w, layout, inputs, {
    attention: input.options?.attention ?? 'fused',
    patches: [],
    conv3x3: input.options?.conv3x3 ?? 'auto',
  });
  const h = b.op('Add', [unetConvIn(c, w, inputs.sample), embedding]);
  const down = unetDownPath(c, w, h);
  const mid = inScope(b, w, ['mid_block'], (mw) => unetMidBlock2dCrossAttn(c, mw, down.h, layout.mid));
  const pool = config.globalPoolConditions;
  down.skips.forEach((skip, i) => {
    const { channels, resolution } = layout.skips[i]!;
    const out = b.scope('controlnet_down_blocks', () =>
      residual(c, w.at('controlnet_down_blocks'), String(i), skip, { channels, scale, pool }),
    );
    b.output(out, CONTROLNET_IO.down(i), ['batch', channels, `height/${resolution}`, `width/${resolution}`]);
  });
  const { channels, resolution } = layout.mid;
  const midOut = residual(c, w, 'controlnet_mid_block', mid, { channels, scale, pool });
  b.output(midOut, CONTROLNET_IO.mid, ['batch', channels, `height/${resolution}`, `width/${resolution}`]);
  return b.build();
}
