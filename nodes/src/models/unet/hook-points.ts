/**
 * @module
 * The UNet's attention hook points: one per attention layer, named by its checkpoint module path as
 * diffusers names `attn_processors` (`down_blocks.0.attentions.0.transformer_blocks.0.attn1`), in the
 * same order (down blocks, up blocks, then the mid block: the order `UNet2DConditionModel` registers
 * its children). Patches choose points by these fields; ids double as weight prefixes and as the names
 * in error messages.
 */
import type { UnetLayout } from './unet-layout';

/** Where in the UNet a point sits. */
export type UnetBlockKind = 'down' | 'mid' | 'up';

/** `attn1` attends over the feature map itself, `attn2` over `encoder_hidden_states`. */
export type AttentionKind = 'self' | 'cross';

/** One attention layer of the UNet. */
export interface AttentionHookPoint {
  /** Checkpoint module path, e.g. `up_blocks.1.attentions.2.transformer_blocks.0.attn2`. */
  readonly id: string;
  /** Position in diffusers' `attn_processors` order (MoMA indexes its adapter weights by it). */
  readonly order: number;
  readonly block: UnetBlockKind;
  /** Index of the down / up block; 0 for the mid block. */
  readonly blockIndex: number;
  /** Index of the Transformer2DModel inside the block (`attentions.{i}`). */
  readonly attentionIndex: number;
  /** Index of the BasicTransformerBlock inside it (`transformer_blocks.{i}`; 0 in SD1.x). */
  readonly transformerIndex: number;
  readonly kind: AttentionKind;
  /** Downsampling factor of the feature map: tokens = (H / resolution) * (W / resolution). */
  readonly resolution: number;
  readonly heads: number;
  /** Query channels (= heads * head dim = the block's channels). */
  readonly channels: number;
  /** Channels of what keys and values are projected from: `channels` for self, the text width for cross. */
  readonly contextChannels: number;
}

interface TransformerSite {
  readonly block: UnetBlockKind;
  readonly blockIndex: number;
  readonly prefix: string;
  readonly attentions: number;
  readonly depth: number;
  readonly resolution: number;
  readonly heads: number;
  readonly channels: number;
}

function sites(layout: UnetLayout): TransformerSite[] {
  const out: TransformerSite[] = [];
  for (const d of layout.down) {
    if (d.type !== 'CrossAttnDownBlock2D') continue;
    out.push({
      block: 'down',
      blockIndex: d.index,
      prefix: `down_blocks.${d.index}`,
      attentions: d.layers,
      depth: d.transformerDepth,
      resolution: d.resolution,
      heads: d.heads,
      channels: d.outChannels,
    });
  }
  for (const u of layout.up) {
    if (u.type !== 'CrossAttnUpBlock2D') continue;
    out.push({
      block: 'up',
      blockIndex: u.index,
      prefix: `up_blocks.${u.index}`,
      attentions: u.resnetInChannels.length,
      depth: u.transformerDepth,
      resolution: u.resolution,
      heads: u.heads,
      channels: u.outChannels,
    });
  }
  const m = layout.mid;
  out.push({
    block: 'mid',
    blockIndex: 0,
    prefix: 'mid_block',
    attentions: 1,
    depth: m.transformerDepth,
    resolution: m.resolution,
    heads: m.heads,
    channels: m.channels,
  });
  return out;
}

/**
 * Checkpoint path of one attention layer.
 * @example
 * hookPointId('mid_block', 0, 0, 'cross'); // 'mid_block.attentions.0.transformer_blocks.0.attn2'
 */
export function hookPointId(
  prefix: string,
  attentionIndex: number,
  transformerIndex: number,
  kind: AttentionKind,
): string {
  return `${prefix}.attentions.${attentionIndex}.transformer_blocks.${transformerIndex}.${kind === 'self' ? 'attn1' : 'attn2'}`;
}

/**
 * Every attention layer of a UNet with `layout`, in diffusers' `attn_processors` order.
 * @example
 * const points = listHookPoints(unetLayout(SD15_UNET_CONFIG));
 * points.filter((p) => p.kind === 'cross' && p.resolution === 8);
 */
export function listHookPoints(layout: UnetLayout): readonly AttentionHookPoint[] {
  const points: AttentionHookPoint[] = [];
  for (const s of sites(layout)) {
    for (let a = 0; a < s.attentions; a++) {
      for (let t = 0; t < s.depth; t++) {
        for (const kind of ['self', 'cross'] as const) {
          points.push(
            Object.freeze({
              id: hookPointId(s.prefix, a, t, kind),
              order: points.length,
              block: s.block,
              blockIndex: s.blockIndex,
              attentionIndex: a,
              transformerIndex: t,
              kind,
              resolution: s.resolution,
              heads: s.heads,
              channels: s.channels,
              contextChannels: kind === 'self' ? s.channels : layout.config.crossAttentionDim,
            }),
          );
        }
      }
    }
  }
  return Object.freeze(points);
}

/**
 * The height (or width) of the feature map at `resolution` for a latent of `size`: each
 * downsampler (3x3 conv, stride 2, padding 1) rounds up.
 * @example
 * featureExtent(64, 4); // 16
 * featureExtent(9, 2); // 5
 */
export function featureExtent(size: number, resolution: number): number {
  let extent = size;
  for (let r = 1; r < resolution; r *= 2) extent = Math.ceil(extent / 2);
  return extent;
}
