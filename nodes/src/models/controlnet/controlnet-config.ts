/**
 * @module
 * The shape of an SD1.x ControlNet (diffusers `ControlNetModel`, cldm `ControlNet`): a copy of the
 * UNet's time embedding, `conv_in`, down blocks and mid block (described as the `UnetConfig` of the
 * UNet it was trained from, whose up blocks mirror the down blocks and are never built), plus the hint
 * embedding (`controlnet_cond_embedding`) and the zero convs. Read from a diffusers `config.json`, or
 * for single files from the cldm yaml ControlNet releases ship beside each file
 * (`model.params.control_stage_config`), else SD1.5's; the hint embedding's widths come from the
 * weights there, since cldm hard-codes them.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import { type LdmYamlConfig, parseConfigJson, parseStageParams } from '../ldm-config';
import {
  type DownBlockType,
  LDM_UNET_PARAMS_SCHEMA,
  SD15_UNET_CONFIG,
  UNET_CONFIG_JSON_SCHEMA,
  type UnetConfig,
  type UpBlockType,
  unetConfigFromJson,
  unetConfigFromLdmParams,
} from '../unet';

/** The channel order the hint is fed in (diffusers `controlnet_conditioning_channel_order`). */
export type HintChannelOrder = 'rgb' | 'bgr';

/** What the graph builders need to know about a ControlNet. */
export interface ControlNetConfig {
  /** The UNet it copies: down blocks, mid block, time embedding, text width. */
  readonly unet: UnetConfig;
  /** Channels of the hint image (3 for SD1.5's ControlNets). */
  readonly conditioningChannels: number;
  /** Widths of the hint embedding's conv stages (`conditioning_embedding_out_channels`); SD1.5: 16, 32, 96, 256. */
  readonly embeddingChannels: readonly number[];
  /** Residuals are averaged over the feature map (the shuffle ControlNet; ComfyUI `global_average_pooling`). */
  readonly globalPoolConditions: boolean;
  readonly channelOrder: HintChannelOrder;
}

/** cldm's fixed `input_hint_block` widths (cldm/cldm.py), diffusers' default. */
export const SD15_HINT_EMBEDDING_CHANNELS: readonly number[] = Object.freeze([16, 32, 96, 256]);

const UP_OF_DOWN = {
  CrossAttnDownBlock2D: 'CrossAttnUpBlock2D',
  DownBlock2D: 'UpBlock2D',
} as const satisfies Record<DownBlockType, UpBlockType>;

/** The up blocks of the UNet a ControlNet was copied from (never built; `unetLayout` needs them). */
function mirroredUpBlocks(down: readonly DownBlockType[]): UpBlockType[] {
  return [...down].reverse().map((d) => UP_OF_DOWN[d]);
}

const zControlNetExtras = z.object({
  _class_name: z.literal('ControlNetModel').optional(),
  conditioning_channels: z.number().int().positive().default(3),
  conditioning_embedding_out_channels: z
    .array(z.number().int().positive())
    .min(1)
    .default([...SD15_HINT_EMBEDDING_CHANNELS]),
  global_pool_conditions: z.boolean().default(false),
  controlnet_conditioning_channel_order: z.enum(['rgb', 'bgr']).default('rgb'),
  down_block_types: z.array(z.enum(['CrossAttnDownBlock2D', 'DownBlock2D'])).min(1),
  in_channels: z.number().int().positive().default(4),
});

/**
 * Check that the hint embedding fits the UNet part: it ends at `block_out_channels[0]`.
 * @throws EngineError `invalid_model_config` naming `source`.
 */
function checked(config: ControlNetConfig, source: string): ControlNetConfig {
  if (config.embeddingChannels.length === 0) {
    throw new EngineError('invalid_model_config', `${source}: the hint embedding has no stages`, { source });
  }
  return Object.freeze({ ...config, embeddingChannels: Object.freeze([...config.embeddingChannels]) });
}

/**
 * `ControlNetConfig` from a diffusers `ControlNetModel` config.json (already JSON-decoded). The UNet
 * part is parsed with the UNet's own schema, so unsupported SD1.x variants are refused by field name.
 * @throws EngineError `invalid_model_config` naming `source` and the field.
 * @example
 * const config = controlNetConfigFromJson(JSON.parse(text), 'models/controlnet/canny/config.json');
 */
export function controlNetConfigFromJson(json: unknown, source: string): ControlNetConfig {
  const extras = parseConfigJson(json, zControlNetExtras, source);
  const { _class_name: _, ...rest } = json as Record<string, unknown>;
  const unetJson = parseConfigJson(
    {
      ...rest,
      out_channels: extras.in_channels,
      up_block_types: mirroredUpBlocks(extras.down_block_types),
    },
    UNET_CONFIG_JSON_SCHEMA,
    source,
  );
  return checked(
    {
      unet: unetConfigFromJson(unetJson, source),
      conditioningChannels: extras.conditioning_channels,
      embeddingChannels: extras.conditioning_embedding_out_channels,
      globalPoolConditions: extras.global_pool_conditions,
      channelOrder: extras.controlnet_conditioning_channel_order,
    },
    source,
  );
}

const zHintParams = z.looseObject({ hint_channels: z.number().int().positive().default(3) });

/** What a single file's weights tell that cldm's yaml does not. */
export interface SingleFileFacts {
  /** Widths of the file's `input_hint_block` convs. */
  readonly embeddingChannels: readonly number[];
  /** ComfyUI's rule: files named `*_shuffle` average their residuals. */
  readonly globalPoolConditions: boolean;
}

/**
 * `ControlNetConfig` of a single file: the cldm yaml beside it (`control_stage_config.params`), or
 * SD1.5's when there is none; `embeddingChannels` as read from the file's hint-block weights.
 * @throws EngineError `invalid_ldm_yaml` naming the yaml and the field.
 * @example
 * const config = controlNetConfigFromLdmYaml(layout.yaml, { embeddingChannels: [16, 32, 96, 256], globalPoolConditions: false });
 */
export function controlNetConfigFromLdmYaml(
  yaml: LdmYamlConfig | undefined,
  facts: SingleFileFacts,
): ControlNetConfig {
  const { embeddingChannels, globalPoolConditions } = facts;
  const stage = yaml?.controlStage;
  if (yaml === undefined || stage === undefined) {
    return checked(
      {
        unet: SD15_UNET_CONFIG,
        conditioningChannels: 3,
        embeddingChannels,
        globalPoolConditions,
        channelOrder: 'rgb',
      },
      'SD1.5 ControlNet defaults',
    );
  }
  const hint = parseStageParams(yaml, 'control_stage_config', stage, zHintParams);
  // cldm's ControlNet has no output blocks, so its yaml has no out_channels.
  const withOut = { ...stage, params: { out_channels: stage.params.in_channels, ...stage.params } };
  const params = parseStageParams(yaml, 'control_stage_config', withOut, LDM_UNET_PARAMS_SCHEMA);
  return checked(
    {
      unet: unetConfigFromLdmParams(params, yaml.source),
      conditioningChannels: hint.hint_channels,
      embeddingChannels,
      globalPoolConditions,
      channelOrder: 'rgb',
    },
    yaml.source,
  );
}
