/**
 * @module
 * The shape of an SD1.x `UNet2DConditionModel`, from its diffusers `config.json`, or the fixed SD1.5
 * values. Fields outside SD1.x (class / addition embeddings, linear projections, other time embeddings)
 * must keep their defaults: such a config is refused by name instead of building a wrong graph.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';

/** Down block families this builder knows (diffusers class names). */
export type DownBlockType = 'CrossAttnDownBlock2D' | 'DownBlock2D';
/** Up block families this builder knows (diffusers class names). */
export type UpBlockType = 'CrossAttnUpBlock2D' | 'UpBlock2D';

/** What the graph builder needs to know about a UNet, one entry per resolution level where it varies. */
export interface UnetConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  /** Channels per level, highest resolution first (SD1.5: 320, 640, 1280, 1280). */
  readonly blockOutChannels: readonly number[];
  readonly downBlockTypes: readonly DownBlockType[];
  /** Lowest resolution first, as diffusers lists them. */
  readonly upBlockTypes: readonly UpBlockType[];
  /** ResNets per down block; up blocks have one more. */
  readonly layersPerBlock: number;
  /** Channels of `encoder_hidden_states` (768 for CLIP ViT-L/14). */
  readonly crossAttentionDim: number;
  /** Attention heads per level (down order); the mid block uses the last, up blocks the reverse. */
  readonly attentionHeads: readonly number[];
  /** `BasicTransformerBlock`s per `Transformer2DModel`, per level (down order). */
  readonly transformerLayersPerBlock: readonly number[];
  readonly normNumGroups: number;
  readonly normEps: number;
  readonly flipSinToCos: boolean;
  readonly freqShift: number;
  /** Latent size the model was trained at (informative; any size divisible by 2^(levels-1) runs). */
  readonly sampleSize: number | undefined;
}

/** SD1.x's UNet (runwayml/stable-diffusion-v1-5 `unet/config.json`). */
export const SD15_UNET_CONFIG: UnetConfig = Object.freeze({
  inChannels: 4,
  outChannels: 4,
  blockOutChannels: Object.freeze([320, 640, 1280, 1280]),
  downBlockTypes: Object.freeze([
    'CrossAttnDownBlock2D',
    'CrossAttnDownBlock2D',
    'CrossAttnDownBlock2D',
    'DownBlock2D',
  ] as const),
  upBlockTypes: Object.freeze([
    'UpBlock2D',
    'CrossAttnUpBlock2D',
    'CrossAttnUpBlock2D',
    'CrossAttnUpBlock2D',
  ] as const),
  layersPerBlock: 2,
  crossAttentionDim: 768,
  attentionHeads: Object.freeze([8, 8, 8, 8]),
  transformerLayersPerBlock: Object.freeze([1, 1, 1, 1]),
  normNumGroups: 32,
  normEps: 1e-5,
  flipSinToCos: true,
  freqShift: 0,
  sampleSize: 64,
});

const zPerLevel = z.union([z.number().int().positive(), z.array(z.number().int().positive())]);

const zUnetConfigJson = z.object({
  _class_name: z.literal('UNet2DConditionModel').optional(),
  in_channels: z.number().int().positive().default(4),
  out_channels: z.number().int().positive().default(4),
  block_out_channels: z.array(z.number().int().positive()).min(1),
  down_block_types: z.array(z.enum(['CrossAttnDownBlock2D', 'DownBlock2D'])).min(1),
  up_block_types: z.array(z.enum(['CrossAttnUpBlock2D', 'UpBlock2D'])).min(1),
  mid_block_type: z.literal('UNetMidBlock2DCrossAttn').default('UNetMidBlock2DCrossAttn'),
  layers_per_block: z.number().int().positive().default(2),
  cross_attention_dim: z.number().int().positive().default(1280),
  // SD1.x quirk: `attention_head_dim: 8` is the number of heads (diffusers issue #2011).
  attention_head_dim: zPerLevel.default(8),
  num_attention_heads: zPerLevel.nullable().default(null),
  transformer_layers_per_block: zPerLevel.default(1),
  reverse_transformer_layers_per_block: z.null().optional(),
  norm_num_groups: z.number().int().positive().default(32),
  norm_eps: z.number().positive().default(1e-5),
  flip_sin_to_cos: z.boolean().default(true),
  freq_shift: z.number().default(0),
  sample_size: z.number().int().positive().nullable().optional(),
  act_fn: z.literal('silu').default('silu'),
  use_linear_projection: z.literal(false).default(false),
  only_cross_attention: z.literal(false).default(false),
  dual_cross_attention: z.literal(false).default(false),
  center_input_sample: z.literal(false).default(false),
  class_embed_type: z.null().optional(),
  addition_embed_type: z.null().optional(),
  encoder_hid_dim: z.null().optional(),
  time_cond_proj_dim: z.null().optional(),
  time_embedding_type: z.literal('positional').default('positional'),
  time_embedding_dim: z.null().optional(),
  timestep_post_act: z.null().optional(),
  resnet_time_scale_shift: z.literal('default').default('default'),
  resnet_out_scale_factor: z.literal(1).default(1),
  mid_block_scale_factor: z.literal(1).default(1),
  downsample_padding: z.literal(1).default(1),
  conv_in_kernel: z.literal(3).default(3),
  conv_out_kernel: z.literal(3).default(3),
  attention_type: z.literal('default').default('default'),
});

/** diffusers `UNet2DConditionModel` config fields this builder reads, with the constructor's defaults. */
export type UnetConfigJson = z.infer<typeof zUnetConfigJson>;

/** The zod schema of an SD1.x UNet `config.json` (for `readConfigJson`). */
export const UNET_CONFIG_JSON_SCHEMA: z.ZodType<UnetConfigJson> = zUnetConfigJson;

function perLevel(
  value: number | readonly number[],
  levels: number,
  field: string,
  source: string,
): number[] {
  if (typeof value === 'number') return new Array<number>(levels).fill(value);
  if (value.length !== levels) {
    throw new EngineError(
      'invalid_model_config',
      `${source}: '${field}' has ${value.length} entries, expected one per level (${levels})`,
      { source, field },
    );
  }
  return [...value];
}

/**
 * Check the cross-field rules of a config (lengths agree, heads divide channels, groups divide
 * channels) and freeze it.
 * @throws EngineError `invalid_model_config` naming `source` and the field.
 * @example
 * const config = checkUnetConfig({ ...SD15_UNET_CONFIG, transformerLayersPerBlock: [1, 1, 2, 2] }, 'custom');
 */
export function checkUnetConfig(config: UnetConfig, source: string): UnetConfig {
  const levels = config.blockOutChannels.length;
  const fail = (field: string, why: string): never => {
    throw new EngineError('invalid_model_config', `${source}: '${field}' ${why}`, { source, field });
  };
  if (config.downBlockTypes.length !== levels) fail('down_block_types', `needs ${levels} entries`);
  if (config.upBlockTypes.length !== levels) fail('up_block_types', `needs ${levels} entries`);
  if (config.attentionHeads.length !== levels) fail('attention_head_dim', `needs ${levels} entries`);
  if (config.transformerLayersPerBlock.length !== levels) {
    fail('transformer_layers_per_block', `needs ${levels} entries`);
  }
  config.blockOutChannels.forEach((c, i) => {
    const heads = config.attentionHeads[i] ?? 1;
    if (c % heads !== 0)
      fail('attention_head_dim', `${heads} heads do not divide ${c} channels (level ${i})`);
    if (c % config.normNumGroups !== 0) {
      fail('norm_num_groups', `${config.normNumGroups} groups do not divide ${c} channels (level ${i})`);
    }
  });
  return Object.freeze({
    ...config,
    blockOutChannels: Object.freeze([...config.blockOutChannels]),
    downBlockTypes: Object.freeze([...config.downBlockTypes]),
    upBlockTypes: Object.freeze([...config.upBlockTypes]),
    attentionHeads: Object.freeze([...config.attentionHeads]),
    transformerLayersPerBlock: Object.freeze([...config.transformerLayersPerBlock]),
  });
}

/**
 * `UnetConfig` from a parsed diffusers `config.json` (mirrors `UNet2DConditionModel.__init__`:
 * `num_attention_heads = num_attention_heads or attention_head_dim`).
 * @example
 * const config = unetConfigFromJson(await readConfigJson('sd15/unet/config.json', UNET_CONFIG_JSON_SCHEMA), 'sd15/unet/config.json');
 */
export function unetConfigFromJson(json: UnetConfigJson, source: string): UnetConfig {
  const levels = json.block_out_channels.length;
  return checkUnetConfig(
    {
      inChannels: json.in_channels,
      outChannels: json.out_channels,
      blockOutChannels: json.block_out_channels,
      downBlockTypes: json.down_block_types,
      upBlockTypes: json.up_block_types,
      layersPerBlock: json.layers_per_block,
      crossAttentionDim: json.cross_attention_dim,
      attentionHeads: perLevel(
        json.num_attention_heads ?? json.attention_head_dim,
        levels,
        'attention_head_dim',
        source,
      ),
      transformerLayersPerBlock: perLevel(
        json.transformer_layers_per_block,
        levels,
        'transformer_layers_per_block',
        source,
      ),
      normNumGroups: json.norm_num_groups,
      normEps: json.norm_eps,
      flipSinToCos: json.flip_sin_to_cos,
      freqShift: json.freq_shift,
      sampleSize: json.sample_size ?? undefined,
    },
    source,
  );
}
