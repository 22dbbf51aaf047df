/**
 * @module
 * The shape of a diffusers `AutoencoderKL` (KL-f8 VAE of SD1.x), from its `config.json`, from the
 * `first_stage_config` of an LDM yaml, or the fixed SD1.x values when a single file has no yaml.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import type { LdmYamlConfig } from '../ldm-config';
import { parseStageParams } from '../ldm-config';

/** What the graph builders need to know about a VAE. */
export interface VaeConfig {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly latentChannels: number;
  /** Channels per resolution level, highest resolution first (SD1.x: 128, 256, 512, 512). */
  readonly blockOutChannels: readonly number[];
  /** ResNet blocks per encoder level; decoder levels have one more (diffusers and LDM alike). */
  readonly layersPerBlock: number;
  readonly normGroups: number;
  readonly midBlockAttention: boolean;
  readonly useQuantConv: boolean;
  readonly usePostQuantConv: boolean;
  /** Latent scale; applied by the caller (`latent = mean * scalingFactor`, decode `latent / scalingFactor`). */
  readonly scalingFactor: number;
}

/**
 * SD1.x's VAE (`first_stage_config` of v1-inference.yaml).
 * @example
 * const latent = mean * SD1_VAE_CONFIG.scalingFactor; // per element
 */
export const SD1_VAE_CONFIG: VaeConfig = Object.freeze({
  inChannels: 3,
  outChannels: 3,
  latentChannels: 4,
  blockOutChannels: Object.freeze([128, 256, 512, 512]),
  layersPerBlock: 2,
  normGroups: 32,
  midBlockAttention: true,
  useQuantConv: true,
  usePostQuantConv: true,
  scalingFactor: 0.18215,
});

const ENCODER_BLOCK = 'DownEncoderBlock2D';
const DECODER_BLOCK = 'UpDecoderBlock2D';

const zVaeConfigJson = z.object({
  _class_name: z.literal('AutoencoderKL').optional(),
  in_channels: z.number().int().positive().default(3),
  out_channels: z.number().int().positive().default(3),
  latent_channels: z.number().int().positive().default(4),
  block_out_channels: z.array(z.number().int().positive()).min(1).default([64]),
  down_block_types: z.array(z.literal(ENCODER_BLOCK)).optional(),
  up_block_types: z.array(z.literal(DECODER_BLOCK)).optional(),
  layers_per_block: z.number().int().positive().default(1),
  norm_num_groups: z.number().int().positive().default(32),
  mid_block_add_attention: z.boolean().default(true),
  use_quant_conv: z.boolean().default(true),
  use_post_quant_conv: z.boolean().default(true),
  scaling_factor: z.number().default(0.18215),
  act_fn: z.literal('silu').default('silu'),
});

/** diffusers `AutoencoderKL` config fields, with its constructor's defaults. */
export type VaeConfigJson = z.infer<typeof zVaeConfigJson>;

/**
 * The zod schema of a diffusers VAE `config.json`.
 * @example
 * const json = await readConfigJson('sd15/vae/config.json', VAE_CONFIG_JSON_SCHEMA);
 */
export const VAE_CONFIG_JSON_SCHEMA: z.ZodType<VaeConfigJson> = zVaeConfigJson;

/**
 * `VaeConfig` from a parsed diffusers `config.json`.
 * @example
 * const config = vaeConfigFromJson(await readConfigJson('sd15/vae/config.json', VAE_CONFIG_JSON_SCHEMA));
 */
export function vaeConfigFromJson(json: VaeConfigJson): VaeConfig {
  const levels = json.block_out_channels.length;
  for (const [field, types] of [
    ['down_block_types', json.down_block_types],
    ['up_block_types', json.up_block_types],
  ] as const) {
    if (types !== undefined && types.length !== levels) {
      throw new EngineError(
        'invalid_model_config',
        `VAE '${field}' has ${types.length} entries, 'block_out_channels' has ${levels}`,
      );
    }
  }
  return {
    inChannels: json.in_channels,
    outChannels: json.out_channels,
    latentChannels: json.latent_channels,
    blockOutChannels: json.block_out_channels,
    layersPerBlock: json.layers_per_block,
    normGroups: json.norm_num_groups,
    midBlockAttention: json.mid_block_add_attention,
    useQuantConv: json.use_quant_conv,
    usePostQuantConv: json.use_post_quant_conv,
    scalingFactor: json.scaling_factor,
  };
}

const zFirstStageParams = z.object({
  embed_dim: z.number().int().positive(),
  ddconfig: z.object({
    double_z: z.literal(true).default(true),
    z_channels: z.number().int().positive(),
    in_channels: z.number().int().positive(),
    out_ch: z.number().int().positive(),
    ch: z.number().int().positive(),
    ch_mult: z.array(z.number().int().positive()).min(1),
    num_res_blocks: z.number().int().positive(),
    // Attention inside the levels (not just the mid block) has no diffusers AutoencoderKL equivalent.
    attn_resolutions: z
      .array(z.number())
      .max(0, 'only the mid-block attention of SD VAEs is supported')
      .default([]),
  }),
});

/**
 * `VaeConfig` from an LDM yaml's `first_stage_config` (LDM's `Normalize` is always GroupNorm 32), or
 * `SD1_VAE_CONFIG` when there is no yaml or it has no first stage.
 * @example
 * const config = vaeConfigFromLdmYaml(layout.yaml);
 */
export function vaeConfigFromLdmYaml(yaml: LdmYamlConfig | undefined): VaeConfig {
  if (yaml?.firstStage === undefined) return SD1_VAE_CONFIG;
  const p = parseStageParams(yaml, 'first_stage_config', yaml.firstStage, zFirstStageParams);
  const dd = p.ddconfig;
  if (p.embed_dim !== dd.z_channels) {
    throw new EngineError(
      'invalid_ldm_yaml',
      `${yaml.source}: 'embed_dim' ${p.embed_dim} differs from 'ddconfig.z_channels' ${dd.z_channels}`,
      { source: yaml.source },
    );
  }
  return {
    inChannels: dd.in_channels,
    outChannels: dd.out_ch,
    latentChannels: dd.z_channels,
    blockOutChannels: dd.ch_mult.map((m) => dd.ch * m),
    layersPerBlock: dd.num_res_blocks,
    normGroups: 32,
    midBlockAttention: true,
    useQuantConv: true,
    usePostQuantConv: true,
    scalingFactor: yaml.scaleFactor ?? SD1_VAE_CONFIG.scalingFactor,
  };
}
