/**
 * @module
 * The UNet's block layout derived from its config: channels in and out of every block, the skip
 * connections each up block consumes, attention heads and downsampling factors. The graph builder,
 * the hook-point list and the ControlNet residual inputs all read this one plan, so they cannot
 * disagree. Mirrors the channel bookkeeping of diffusers `UNet2DConditionModel.__init__`.
 */
import type { DownBlockType, UnetConfig, UpBlockType } from './unet-config';

/** One entry of the skip stack (`down_block_res_samples` in diffusers). */
export interface SkipPlan {
  readonly channels: number;
  /** Downsampling factor of the feature map (1 = latent resolution). */
  readonly resolution: number;
}

/** A down block: `layers` ResNets (each followed by a Transformer2DModel when it has attention). */
export interface DownBlockPlan {
  readonly index: number;
  readonly type: DownBlockType;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly layers: number;
  readonly heads: number;
  readonly transformerDepth: number;
  readonly resolution: number;
  readonly addDownsample: boolean;
}

/** The mid block: ResNet, Transformer2DModel, ResNet at the lowest resolution. */
export interface MidBlockPlan {
  readonly channels: number;
  readonly heads: number;
  readonly transformerDepth: number;
  readonly resolution: number;
}

/** An up block: each ResNet takes the previous output concatenated with one popped skip. */
export interface UpBlockPlan {
  readonly index: number;
  readonly type: UpBlockType;
  readonly outChannels: number;
  /** Channels of each ResNet's input after concatenation, in order. */
  readonly resnetInChannels: readonly number[];
  readonly heads: number;
  readonly transformerDepth: number;
  /** Downsampling factor before this block's upsampler. */
  readonly resolution: number;
  readonly addUpsample: boolean;
}

/** The whole layout. */
export interface UnetLayout {
  readonly config: UnetConfig;
  /** `block_out_channels[0] * 4`, the width of the time embedding. */
  readonly timeEmbedDim: number;
  readonly down: readonly DownBlockPlan[];
  readonly mid: MidBlockPlan;
  readonly up: readonly UpBlockPlan[];
  /** The skip stack after the down blocks (conv_in output first); ControlNet residuals match it. */
  readonly skips: readonly SkipPlan[];
}

function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new RangeError(`layout index ${i} is out of range [0, ${list.length})`);
  return v;
}

/**
 * Derive the layout of `config` (validated by `checkUnetConfig`).
 * @example
 * const layout = unetLayout(SD15_UNET_CONFIG);
 * layout.skips.length; // 12 ControlNet down residuals
 */
export function unetLayout(config: UnetConfig): UnetLayout {
  const levels = config.blockOutChannels.length;
  const c0 = at(config.blockOutChannels, 0);
  const skips: SkipPlan[] = [{ channels: c0, resolution: 1 }];
  const down: DownBlockPlan[] = [];
  let channels = c0;
  for (let i = 0; i < levels; i++) {
    const outChannels = at(config.blockOutChannels, i);
    const resolution = 2 ** i;
    const addDownsample = i < levels - 1;
    down.push({
      index: i,
      type: at(config.downBlockTypes, i),
      inChannels: channels,
      outChannels,
      layers: config.layersPerBlock,
      heads: at(config.attentionHeads, i),
      transformerDepth: at(config.transformerLayersPerBlock, i),
      resolution,
      addDownsample,
    });
    for (let j = 0; j < config.layersPerBlock; j++) skips.push({ channels: outChannels, resolution });
    if (addDownsample) skips.push({ channels: outChannels, resolution: resolution * 2 });
    channels = outChannels;
  }
  const last = levels - 1;
  const mid: MidBlockPlan = {
    channels,
    heads: at(config.attentionHeads, last),
    transformerDepth: at(config.transformerLayersPerBlock, last),
    resolution: 2 ** last,
  };
  const stack = [...skips];
  const up: UpBlockPlan[] = [];
  let prev = channels;
  for (let i = 0; i < levels; i++) {
    const level = last - i;
    const outChannels = at(config.blockOutChannels, level);
    const resnetInChannels: number[] = [];
    for (let j = 0; j <= config.layersPerBlock; j++) {
      const skip = stack.pop();
      if (skip === undefined) throw new RangeError('skip stack exhausted: layout and config disagree');
      resnetInChannels.push((j === 0 ? prev : outChannels) + skip.channels);
    }
    up.push({
      index: i,
      type: at(config.upBlockTypes, i),
      outChannels,
      resnetInChannels,
      heads: at(config.attentionHeads, level),
      transformerDepth: at(config.transformerLayersPerBlock, level),
      resolution: 2 ** level,
      addUpsample: i < last,
    });
    prev = outChannels;
  }
  return { config, timeEmbedDim: c0 * 4, down, mid, up, skips };
}
