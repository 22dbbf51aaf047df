/**
 * @module
 * The shape of an HF `CLIPTextModel`, from a transformers `config.json`, from the LDM yaml's
 * `cond_stage_config.params`, or SD1.x's fixed ViT-L/14 text tower when a single file has no yaml.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';
import { type LdmYamlConfig, parseStageParams } from '../ldm-config';

/** Activation of the MLP; SD1.x (OpenAI CLIP) uses `quick_gelu`, OpenCLIP towers exact `gelu`. */
export type ClipHiddenAct = 'quick_gelu' | 'gelu';

/** What the graph builder needs to know about a CLIP text encoder. */
export interface ClipTextConfig {
  readonly hiddenSize: number;
  readonly heads: number;
  readonly layers: number;
  readonly intermediateSize: number;
  /** Longest token sequence (77); the graph accepts any length up to it. */
  readonly maxPositions: number;
  readonly vocabSize: number;
  readonly layerNormEps: number;
  readonly hiddenAct: ClipHiddenAct;
}

/**
 * SD1.x's text encoder: OpenAI CLIP ViT-L/14 text tower.
 * @example
 * const model = buildClipTextGraph(weights, SD1_CLIP_TEXT_CONFIG);
 */
export const SD1_CLIP_TEXT_CONFIG: ClipTextConfig = Object.freeze({
  hiddenSize: 768,
  heads: 12,
  layers: 12,
  intermediateSize: 3072,
  maxPositions: 77,
  vocabSize: 49408,
  layerNormEps: 1e-5,
  hiddenAct: 'quick_gelu',
});

const zAct = z.enum(['quick_gelu', 'gelu']);

// transformers CLIPTextConfig defaults for absent fields.
const zClipTextFields = z.object({
  hidden_size: z.number().int().positive().default(512),
  num_attention_heads: z.number().int().positive().default(8),
  num_hidden_layers: z.number().int().positive().default(12),
  intermediate_size: z.number().int().positive().default(2048),
  max_position_embeddings: z.number().int().positive().default(77),
  vocab_size: z.number().int().positive().default(49408),
  layer_norm_eps: z.number().positive().default(1e-5),
  hidden_act: zAct.default('quick_gelu'),
});

/** transformers `CLIPTextConfig` fields (a full `CLIPConfig` nests them under `text_config`). */
export type ClipTextConfigJson = z.infer<typeof zClipTextFields>;

/**
 * The zod schema of a text encoder `config.json`, accepting a nested `text_config` too.
 * @example
 * const json = await readConfigJson('sd15/text_encoder/config.json', CLIP_TEXT_CONFIG_JSON_SCHEMA);
 */
export const CLIP_TEXT_CONFIG_JSON_SCHEMA: z.ZodType<ClipTextConfigJson> = z.preprocess((json) => {
  const nested: unknown =
    typeof json === 'object' && json !== null ? Reflect.get(json, 'text_config') : undefined;
  return typeof nested === 'object' && nested !== null ? nested : json;
}, zClipTextFields);

function checked(c: ClipTextConfig, source: string): ClipTextConfig {
  if (c.hiddenSize % c.heads !== 0) {
    throw new EngineError(
      'invalid_model_config',
      `${source}: 'num_attention_heads' ${c.heads} does not divide 'hidden_size' ${c.hiddenSize}`,
      { source },
    );
  }
  return c;
}

/**
 * `ClipTextConfig` from a parsed `config.json`.
 * @example
 * const config = clipTextConfigFromJson(await readConfigJson(path, CLIP_TEXT_CONFIG_JSON_SCHEMA), path);
 */
export function clipTextConfigFromJson(json: ClipTextConfigJson, source: string): ClipTextConfig {
  return checked(
    {
      hiddenSize: json.hidden_size,
      heads: json.num_attention_heads,
      layers: json.num_hidden_layers,
      intermediateSize: json.intermediate_size,
      maxPositions: json.max_position_embeddings,
      vocabSize: json.vocab_size,
      layerNormEps: json.layer_norm_eps,
      hiddenAct: json.hidden_act,
    },
    source,
  );
}

// LDM's FrozenCLIPEmbedder takes none of these (it loads ViT-L/14 by name); a yaml may give them
// for other sizes. Missing ones fall back to SD1.x.
const zCondStageParams = z.looseObject({
  hidden_size: z.number().int().positive().optional(),
  num_attention_heads: z.number().int().positive().optional(),
  num_hidden_layers: z.number().int().positive().optional(),
  intermediate_size: z.number().int().positive().optional(),
  max_position_embeddings: z.number().int().positive().optional(),
  vocab_size: z.number().int().positive().optional(),
  layer_norm_eps: z.number().positive().optional(),
  hidden_act: zAct.optional(),
});

/** LDM `cond_stage_config` targets whose weights are an HF CLIPTextModel under `cond_stage_model.transformer`. */
const HF_CLIP_TARGETS = ['ldm.modules.encoders.modules.FrozenCLIPEmbedder'];

/**
 * `ClipTextConfig` from an LDM yaml, or `SD1_CLIP_TEXT_CONFIG` without one.
 * @throws EngineError `unsupported_text_encoder` for other conditioning stages (OpenCLIP of SD2...).
 * @example
 * const config = clipTextConfigFromLdmYaml(layout.yaml);
 */
export function clipTextConfigFromLdmYaml(yaml: LdmYamlConfig | undefined): ClipTextConfig {
  const stage = yaml?.condStage;
  if (yaml === undefined || stage === undefined) return SD1_CLIP_TEXT_CONFIG;
  if (!HF_CLIP_TARGETS.includes(stage.target)) {
    throw new EngineError(
      'unsupported_text_encoder',
      `${yaml.source}: 'cond_stage_config.target' ${stage.target} is not one of: ${HF_CLIP_TARGETS.join(', ')}`,
      { source: yaml.source, target: stage.target },
    );
  }
  const p = parseStageParams(yaml, 'cond_stage_config', stage, zCondStageParams);
  const d = SD1_CLIP_TEXT_CONFIG;
  return checked(
    {
      hiddenSize: p.hidden_size ?? d.hiddenSize,
      heads: p.num_attention_heads ?? d.heads,
      layers: p.num_hidden_layers ?? d.layers,
      intermediateSize: p.intermediate_size ?? d.intermediateSize,
      maxPositions: p.max_position_embeddings ?? d.maxPositions,
      vocabSize: p.vocab_size ?? d.vocabSize,
      layerNormEps: p.layer_norm_eps ?? d.layerNormEps,
      hiddenAct: p.hidden_act ?? d.hiddenAct,
    },
    yaml.source,
  );
}
