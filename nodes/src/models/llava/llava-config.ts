/**
 * @module
 * A LLaVA-1.5 checkpoint's `config.json` in either layout people have: LLaVA's own
 * (`LlavaLlamaForCausalLM`: LlamaConfig plus `mm_*` fields, as MoMA_llava_7b ships) or llava-hf's
 * (`LlavaForConditionalGeneration`: `text_config`, `vision_config`, `vision_feature_*`). What the
 * builder does not implement (other projectors, `anyres` tiling of LLaVA-NeXT) is refused by name.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import {
  CLIP_VISION_CONFIG_JSON_SCHEMA,
  type ClipVisionConfig,
  clipVisionConfigFromJson,
} from '../clip-vision';
import { parseConfigJson } from '../ldm-config';
import { LLAMA_CONFIG_JSON_SCHEMA, type LlamaConfig, llamaConfigFromJson } from '../llama';

/** Key layout of the checkpoint. */
export type LlavaLayout = 'llava' | 'llava-hf';

/** The image projector: one Linear, or Linear -> exact GELU -> Linear. */
export type LlavaProjector = 'linear' | 'mlp2x_gelu';

/** What the graph builders need to know about a LLaVA checkpoint. */
export interface LlavaConfig {
  readonly layout: LlavaLayout;
  readonly llama: LlamaConfig;
  readonly projector: LlavaProjector;
  /** Index into the tower's `hidden_states` (LLaVA-1.5: -2). */
  readonly visionFeatureLayer: number;
  /** `patch` drops the class token (LLaVA-1.5), `cls_patch` keeps it. */
  readonly visionSelect: 'patch' | 'cls_patch';
  /** Width of the tower features the projector takes, when the config says. */
  readonly mmHiddenSize: number | undefined;
  /** `pad`: the image is padded to a square with the CLIP mean colour first (`expand2square`). */
  readonly imageAspectRatio: 'pad' | 'square';
  /** The tower's shape when the config describes it (llava-hf's `vision_config`). */
  readonly vision: ClipVisionConfig | undefined;
}

const zLlavaFields = z.looseObject({
  model_type: z.string().optional(),
  text_config: z.unknown().optional(),
  vision_config: z.unknown().optional(),
  // LLaVA's own fields.
  mm_projector_type: z.string().default('linear'),
  mm_vision_select_layer: z.number().int().default(-2),
  mm_vision_select_feature: z.string().default('patch'),
  mm_hidden_size: z.number().int().positive().optional(),
  image_aspect_ratio: z.string().default('square'),
  // llava-hf's fields.
  vision_feature_layer: z.number().int().default(-2),
  vision_feature_select_strategy: z.string().default('default'),
  projector_hidden_act: z.string().default('gelu'),
});

function unsupported(source: string, field: string, value: unknown, supported: string): EngineError {
  return new EngineError(
    'unsupported_model_config',
    `${source}: '${field}' ${JSON.stringify(value)} is not supported (supported: ${supported})`,
    { source, field },
  );
}

function ownLayout(f: z.infer<typeof zLlavaFields>, llama: LlamaConfig, source: string): LlavaConfig {
  const projector = f.mm_projector_type;
  if (projector !== 'linear' && projector !== 'mlp2x_gelu') {
    throw unsupported(source, 'mm_projector_type', projector, 'linear, mlp2x_gelu');
  }
  const select = f.mm_vision_select_feature;
  if (select !== 'patch' && select !== 'cls_patch') {
    throw unsupported(source, 'mm_vision_select_feature', select, 'patch, cls_patch');
  }
  const aspect = f.image_aspect_ratio;
  if (aspect !== 'pad' && aspect !== 'square') {
    throw unsupported(
      source,
      'image_aspect_ratio',
      aspect,
      "pad, square (LLaVA-1.5; 'anyres' is LLaVA-NeXT)",
    );
  }
  return {
    layout: 'llava',
    llama,
    projector,
    visionFeatureLayer: f.mm_vision_select_layer,
    visionSelect: select,
    mmHiddenSize: f.mm_hidden_size,
    imageAspectRatio: aspect,
    vision: undefined,
  };
}

function hfLayout(
  f: z.infer<typeof zLlavaFields>,
  llama: LlamaConfig,
  json: unknown,
  source: string,
): LlavaConfig {
  if (f.projector_hidden_act !== 'gelu')
    throw unsupported(source, 'projector_hidden_act', f.projector_hidden_act, 'gelu');
  const strategy = f.vision_feature_select_strategy;
  if (strategy !== 'default' && strategy !== 'full') {
    throw unsupported(source, 'vision_feature_select_strategy', strategy, 'default, full');
  }
  const vision = clipVisionConfigFromJson(
    parseConfigJson(json, CLIP_VISION_CONFIG_JSON_SCHEMA, source),
    source,
  );
  return {
    layout: 'llava-hf',
    llama,
    projector: 'mlp2x_gelu',
    visionFeatureLayer: f.vision_feature_layer,
    visionSelect: strategy === 'default' ? 'patch' : 'cls_patch',
    mmHiddenSize: vision.hiddenSize,
    // MoMA feeds LLaVA padded square images; llava-hf's processor would crop instead.
    imageAspectRatio: 'pad',
    vision,
  };
}

/**
 * `LlavaConfig` from the decoded `config.json` of a LLaVA folder.
 * @throws EngineError `invalid_model_config` / `unsupported_model_config` naming `source` and the field.
 * @example
 * const config = llavaConfigFromJson(JSON.parse(text), 'models/mllm/MoMA_llava_7b/config.json');
 */
export function llavaConfigFromJson(json: unknown, source: string): LlavaConfig {
  const fields = parseConfigJson(json, zLlavaFields, source);
  const llama = llamaConfigFromJson(parseConfigJson(json, LLAMA_CONFIG_JSON_SCHEMA, source), source);
  const isHf = fields.text_config !== undefined || fields.vision_config !== undefined;
  return isHf ? hfLayout(fields, llama, json, source) : ownLayout(fields, llama, source);
}
