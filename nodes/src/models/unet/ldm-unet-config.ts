/**
 * @module
 * `UnetConfig` from the `unet_config.params` of an LDM yaml (ldm `openaimodel.UNetModel` arguments),
 * as diffusers' `create_unet_diffusers_config` (loaders/single_file_utils.py) maps them, or the fixed
 * SD1.5 config when a single file has no yaml.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import type { LdmYamlConfig } from '../ldm-config';
import { parseStageParams } from '../ldm-config';
import {
  checkUnetConfig,
  type DownBlockType,
  SD15_UNET_CONFIG,
  type UnetConfig,
  type UpBlockType,
} from './unet-config';

const zUnetParams = z.object({
  image_size: z.number().int().positive().optional(),
  in_channels: z.number().int().positive(),
  out_channels: z.number().int().positive(),
  model_channels: z.number().int().positive(),
  attention_resolutions: z.array(z.number().int().positive()),
  num_res_blocks: z.number().int().positive(),
  channel_mult: z.array(z.number().int().positive()).min(1),
  num_heads: z.number().int().default(-1),
  num_head_channels: z.number().int().default(-1),
  transformer_depth: z.union([z.number().int().positive(), z.array(z.number().int().positive())]).default(1),
  context_dim: z.number().int().positive(),
  use_spatial_transformer: z.literal(true),
  use_linear_in_transformer: z.literal(false).default(false),
  use_scale_shift_norm: z.literal(false).default(false),
  resblock_updown: z.literal(false).default(false),
  conv_resample: z.literal(true).default(true),
  dims: z.literal(2).default(2),
  num_classes: z.null().optional(),
});

/** The ldm `UNetModel` parameters this mapping reads. */
export type LdmUnetParams = z.infer<typeof zUnetParams>;

/** The zod schema of ldm `UNetModel` parameters (cldm's `ControlNet` takes the same, for `parseStageParams`). */
export const LDM_UNET_PARAMS_SCHEMA: z.ZodType<LdmUnetParams> = zUnetParams;

/** ldm's head rule (openaimodel.py): a fixed head count, or heads of `num_head_channels` channels. */
function headsAt(p: LdmUnetParams, channels: number, source: string): number {
  if (p.num_head_channels > 0) return Math.max(1, Math.floor(channels / p.num_head_channels));
  if (p.num_heads > 0) return p.num_heads;
  throw new EngineError(
    'invalid_ldm_yaml',
    `${source}: 'unet_config.params' needs 'num_heads' or 'num_head_channels'`,
    { source },
  );
}

/**
 * `UnetConfig` from ldm `UNetModel` parameters: a level gets attention when its downsampling factor
 * is in `attention_resolutions` (diffusers `create_unet_diffusers_config`).
 * @example
 * const config = unetConfigFromLdmParams({ model_channels: 320, channel_mult: [1, 2, 4, 4], ... }, 'v1.yaml');
 */
export function unetConfigFromLdmParams(p: LdmUnetParams, source: string): UnetConfig {
  const levels = p.channel_mult.length;
  const channels = p.channel_mult.map((m) => p.model_channels * m);
  const hasAttention = channels.map((_, level) => p.attention_resolutions.includes(2 ** level));
  const down: DownBlockType[] = hasAttention.map((a) => (a ? 'CrossAttnDownBlock2D' : 'DownBlock2D'));
  const up: UpBlockType[] = [...hasAttention].reverse().map((a) => (a ? 'CrossAttnUpBlock2D' : 'UpBlock2D'));
  const depth =
    typeof p.transformer_depth === 'number'
      ? new Array<number>(levels).fill(p.transformer_depth)
      : p.transformer_depth;
  return checkUnetConfig(
    {
      inChannels: p.in_channels,
      outChannels: p.out_channels,
      blockOutChannels: channels,
      downBlockTypes: down,
      upBlockTypes: up,
      layersPerBlock: p.num_res_blocks,
      crossAttentionDim: p.context_dim,
      attentionHeads: channels.map((c) => headsAt(p, c, source)),
      transformerLayersPerBlock: depth,
      // ldm's `normalization()` is GroupNorm32 with torch's default eps; its timestep_embedding puts cos first.
      normNumGroups: 32,
      normEps: 1e-5,
      flipSinToCos: true,
      freqShift: 0,
      sampleSize: p.image_size,
    },
    source,
  );
}

/**
 * `UnetConfig` from an LDM yaml's `unet_config`, or `SD15_UNET_CONFIG` when there is no yaml or it
 * has no UNet stage (real SD1.x single files ship without one).
 * @throws EngineError `invalid_ldm_yaml` naming the yaml and the offending field.
 * @example
 * const config = unetConfigFromLdmYaml(layout.yaml);
 */
export function unetConfigFromLdmYaml(yaml: LdmYamlConfig | undefined): UnetConfig {
  if (yaml?.unet === undefined) return SD15_UNET_CONFIG;
  const params = parseStageParams(yaml, 'unet_config', yaml.unet, zUnetParams);
  return unetConfigFromLdmParams(params, yaml.source);
}
