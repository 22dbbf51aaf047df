/**
 * @module
 * diffusers `ControlNetConditioningEmbedding` (models/controlnets/controlnet.py; cldm
 * `input_hint_block`) as its own ONNX graph: conv_in, then per stage a 3x3 conv and a stride-2 3x3
 * conv, each followed by SiLU, then conv_out. It depends on the hint only, so a sampling run embeds
 * each hint once and feeds the result to every step's ControlNet call.
 */
import type { OnnxModel, Value } from '@momaflow/engine';
import { conv2d, OnnxBuilder, silu } from '@momaflow/engine';
import { convWeights, inScope, type WeightMap, WeightScope } from '../ldm-config';
import type { ControlNetConfig } from './controlnet-config';

/** Graph input and output names. */
export const HINT_EMBEDDING_IO = {
  hint: 'controlnet_cond',
  embedding: 'controlnet_cond_embedding',
} as const;

/**
 * How much smaller the embedding is than the hint: 2 per strided stage (8 for SD1.5: a 512x512 hint
 * fits a 64x64 latent).
 * @example
 * hintDownscale(config); // 8
 */
export function hintDownscale(config: ControlNetConfig): number {
  return 2 ** (config.embeddingChannels.length - 1);
}

/**
 * The hint embedding graph: `controlnet_cond` [B, conditioning_channels, H, W] (pixels in [0, 1]) ->
 * `controlnet_cond_embedding` [B, block_out_channels[0], H / f, W / f], f = `hintDownscale(config)`.
 * @example
 * const model = buildHintEmbeddingGraph(weights, config);
 */
export function buildHintEmbeddingGraph(weights: WeightMap, config: ControlNetConfig): OnnxModel {
  const b = OnnxBuilder.create({ name: 'controlnet-hint-embedding', opset: 17 });
  const root = new WeightScope(weights);
  const widths = config.embeddingChannels;
  const c0 = config.unet.blockOutChannels[0] ?? 0;
  const hint = b.input(HINT_EMBEDDING_IO.hint, 'float32', [
    'batch',
    config.conditioningChannels,
    'height',
    'width',
  ]);
  /** One 3x3 conv under `controlnet_cond_embedding[.blocks]`, named as its weights are. */
  const conv = (x: Value<'float32'>, name: string, channels: [number, number], stride: number) => {
    const path = name === 'conv_in' || name === 'conv_out' ? [] : ['blocks'];
    return inScope(b, root, ['controlnet_cond_embedding', ...path], (cw) => {
      const weights = convWeights(cw, name, { inChannels: channels[0], outChannels: channels[1], kernel: 3 });
      return conv2d(b, weights, x, { stride, padding: 1, name });
    });
  };
  let h = silu(b, conv(hint, 'conv_in', [config.conditioningChannels, widths[0] ?? 0], 1));
  for (let i = 0; i + 1 < widths.length; i++) {
    const from = widths[i] ?? 0;
    h = silu(b, conv(h, String(2 * i), [from, from], 1));
    h = silu(b, conv(h, String(2 * i + 1), [from, widths[i + 1] ?? 0], 2));
  }
  h = conv(h, 'conv_out', [widths.at(-1) ?? 0, c0], 1);
  b.output(h, HINT_EMBEDDING_IO.embedding, ['batch', c0, 'embedded_height', 'embedded_width']);
  return b.build();
}
