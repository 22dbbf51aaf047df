/**
 * @module
 * The shape of an HF `CLIPVisionModel` (the vision tower of CLIP, LLaVA's image encoder): from a
 * transformers `config.json` (a `CLIPVisionConfig`, or a full `CLIPConfig` / llava-hf config nesting
 * it under `vision_config`), or, for a bare weight file, recognised from its tensor shapes.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import type { ClipHiddenAct, ClipLayerShape } from '../clip-text';

/** What the graph builder needs to know about a CLIP vision tower. */
export interface ClipVisionConfig extends ClipLayerShape {
  readonly layers: number;
  readonly imageSize: number;
  readonly patchSize: number;
  readonly numChannels: number;
}

/**
 * OpenAI CLIP ViT-L/14 at 336 px, the tower of LLaVA-1.5 and MoMA.
 * @example
 * const patches = (CLIP_VIT_L14_336.imageSize / CLIP_VIT_L14_336.patchSize) ** 2; // 576
 */
export const CLIP_VIT_L14_336: ClipVisionConfig = Object.freeze({
  hiddenSize: 1024,
  heads: 16,
  layers: 24,
  intermediateSize: 4096,
  imageSize: 336,
  patchSize: 14,
  numChannels: 3,
  layerNormEps: 1e-5,
  hiddenAct: 'quick_gelu' satisfies ClipHiddenAct,
});

/**
 * OpenCLIP ViT-H/14 (laion2B-s32B-b79K) at 224 px, the image encoder of the SD1.5 IP-Adapters
 * (h94/IP-Adapter `models/image_encoder`; ComfyUI's `CLIP-ViT-H-14-laion2B-s32B-b79K.safetensors`).
 */
export const CLIP_VIT_H14: ClipVisionConfig = Object.freeze({
  hiddenSize: 1280,
  heads: 16,
  layers: 32,
  intermediateSize: 5120,
  imageSize: 224,
  patchSize: 14,
  numChannels: 3,
  layerNormEps: 1e-5,
  hiddenAct: 'gelu' satisfies ClipHiddenAct,
});

// transformers CLIPVisionConfig defaults for absent fields.
const zClipVisionFields = z.object({
  hidden_size: z.number().int().positive().default(768),
  num_attention_heads: z.number().int().positive().default(12),
  num_hidden_layers: z.number().int().positive().default(12),
  intermediate_size: z.number().int().positive().default(3072),
  image_size: z.number().int().positive().default(224),
  patch_size: z.number().int().positive().default(32),
  num_channels: z.number().int().positive().default(3),
  layer_norm_eps: z.number().positive().default(1e-5),
  hidden_act: z.enum(['quick_gelu', 'gelu']).default('quick_gelu'),
});

/** transformers `CLIPVisionConfig` fields. */
export type ClipVisionConfigJson = z.infer<typeof zClipVisionFields>;

/**
 * The zod schema of a vision tower `config.json`, accepting a nested `vision_config` (CLIPConfig,
 * llava-hf's LlavaConfig).
 * @example
 * const json = await readConfigJson('models/clip_vision/clip-vit-large-patch14-336/config.json', CLIP_VISION_CONFIG_JSON_SCHEMA);
 */
export const CLIP_VISION_CONFIG_JSON_SCHEMA: z.ZodType<ClipVisionConfigJson> = z.preprocess((json) => {
  const nested: unknown =
    typeof json === 'object' && json !== null ? Reflect.get(json, 'vision_config') : undefined;
  return typeof nested === 'object' && nested !== null ? nested : json;
}, zClipVisionFields);

/**
 * `ClipVisionConfig` from a parsed `config.json`.
 * @throws EngineError `invalid_model_config` when the heads do not divide the width or the patch the image.
 * @example
 * const config = clipVisionConfigFromJson(json, 'config.json');
 */
export function clipVisionConfigFromJson(json: ClipVisionConfigJson, source: string): ClipVisionConfig {
  if (json.hidden_size % json.num_attention_heads !== 0 || json.image_size % json.patch_size !== 0) {
    throw new EngineError(
      'invalid_model_config',
      `${source}: 'num_attention_heads' ${json.num_attention_heads} must divide 'hidden_size' ${json.hidden_size} and 'patch_size' ${json.patch_size} 'image_size' ${json.image_size}`,
      { source },
    );
  }
  return {
    hiddenSize: json.hidden_size,
    heads: json.num_attention_heads,
    layers: json.num_hidden_layers,
    intermediateSize: json.intermediate_size,
    imageSize: json.image_size,
    patchSize: json.patch_size,
    numChannels: json.num_channels,
    layerNormEps: json.layer_norm_eps,
    hiddenAct: json.hidden_act,
  };
}

/** Known towers, recognised by their shapes when a weight file comes without a config. */
const KNOWN_TOWERS: readonly ClipVisionConfig[] = [CLIP_VIT_L14_336, CLIP_VIT_H14];

/** The shapes a weight file reveals: width, patch, positions, layer count, MLP width. */
export interface ClipVisionShapes {
  readonly hiddenSize: number;
  readonly patchSize: number;
  readonly numChannels: number;
  readonly positions: number;
  readonly layers: number;
  readonly intermediateSize: number;
}

/**
 * The known tower whose shapes these are (head count and activation are not in the weights).
 * @throws EngineError `unsupported_model_config` naming `source` when none matches.
 * @example
 * const config = clipVisionConfigFromShapes(shapes, 'models/clip_vision/clip-l-336.safetensors');
 */
export function clipVisionConfigFromShapes(s: ClipVisionShapes, source: string): ClipVisionConfig {
  const match = KNOWN_TOWERS.find(
    (c) =>
      c.hiddenSize === s.hiddenSize &&
      c.patchSize === s.patchSize &&
      c.numChannels === s.numChannels &&
      (c.imageSize / c.patchSize) ** 2 + 1 === s.positions &&
      c.layers === s.layers &&
      c.intermediateSize === s.intermediateSize,
  );
  if (match === undefined) {
    throw new EngineError(
      'unsupported_model_config',
      `${source}: a CLIP vision tower of width ${s.hiddenSize}, ${s.layers} layers, patch ${s.patchSize} and ${s.positions} positions is not a known one (CLIP ViT-L/14-336, ViT-H/14); put its config.json beside it`,
      { source },
    );
  }
  return match;
}
