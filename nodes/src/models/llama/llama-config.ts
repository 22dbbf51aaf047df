/**
 * @module
 * The shape of a LLaMA decoder (HF `LlamaConfig`): from the top level of a LLaVA `config.json`
 * (LLaVA's `LlavaLlamaForCausalLM` extends LlamaConfig) or from `text_config` (llava-hf). Features
 * the graph builder does not implement (rope scaling, attention / MLP biases, other activations) are
 * refused by name instead of producing a silently different model.
 */
import { EngineError } from '@momaflow/engine';
import { z } from 'zod';

/** What the graph builder needs to know about a LLaMA decoder. */
export interface LlamaConfig {
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly layers: number;
  readonly heads: number;
  /** Key/value heads (grouped-query attention when fewer than `heads`). */
  readonly kvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
}

// transformers LlamaConfig defaults for absent fields (llava-hf's text_config leaves most out).
const zLlamaFields = z.object({
  hidden_size: z.number().int().positive().default(4096),
  intermediate_size: z.number().int().positive().default(11008),
  num_hidden_layers: z.number().int().positive().default(32),
  num_attention_heads: z.number().int().positive().default(32),
  num_key_value_heads: z.number().int().positive().nullish(),
  head_dim: z.number().int().positive().nullish(),
  vocab_size: z.number().int().positive().default(32000),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  hidden_act: z.string().default('silu'),
  rope_scaling: z.unknown().optional(),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
});

/** transformers `LlamaConfig` fields. */
export type LlamaConfigJson = z.infer<typeof zLlamaFields>;

/**
 * The zod schema of the language model's config: `text_config` when present (llava-hf), else the
 * top level (LLaVA's own checkpoints, plain LLaMA).
 * @example
 * const json = await readConfigJson('models/mllm/MoMA_llava_7b/config.json', LLAMA_CONFIG_JSON_SCHEMA);
 */
export const LLAMA_CONFIG_JSON_SCHEMA: z.ZodType<LlamaConfigJson> = z.preprocess((json) => {
  const nested: unknown =
    typeof json === 'object' && json !== null ? Reflect.get(json, 'text_config') : undefined;
  return typeof nested === 'object' && nested !== null ? nested : json;
}, zLlamaFields);

function unsupported(source: string, field: string, value: unknown, why: string): EngineError {
  return new EngineError(
    'unsupported_model_config',
    `${source}: '${field}' ${JSON.stringify(value)} is not supported (${why})`,
    { source, field },
  );
}

/**
 * `LlamaConfig` from a parsed config.
 * @throws EngineError `unsupported_model_config` naming the field, `invalid_model_config` for sizes that do not divide.
 * @example
 * const config = llamaConfigFromJson(json, 'config.json');
 */
export function llamaConfigFromJson(json: LlamaConfigJson, source: string): LlamaConfig {
  if (json.hidden_act !== 'silu') throw unsupported(source, 'hidden_act', json.hidden_act, 'LLaMA uses silu');
  if (json.rope_scaling !== undefined && json.rope_scaling !== null) {
    throw unsupported(source, 'rope_scaling', json.rope_scaling, 'only plain RoPE is implemented');
  }
  if (json.attention_bias)
    throw unsupported(source, 'attention_bias', true, 'LLaMA projections have no bias');
  if (json.mlp_bias) throw unsupported(source, 'mlp_bias', true, 'LLaMA projections have no bias');
  const heads = json.num_attention_heads;
  const kvHeads = json.num_key_value_heads ?? heads;
  const headDim = json.head_dim ?? json.hidden_size / heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0 || heads % kvHeads !== 0) {
    throw new EngineError(
      'invalid_model_config',
      `${source}: ${heads} heads of ${headDim} with ${kvHeads} key/value heads do not make a LLaMA attention`,
      { source },
    );
  }
  return {
    hiddenSize: json.hidden_size,
    intermediateSize: json.intermediate_size,
    layers: json.num_hidden_layers,
    heads,
    kvHeads,
    headDim,
    vocabSize: json.vocab_size,
    rmsNormEps: json.rms_norm_eps,
    ropeTheta: json.rope_theta,
  };
}

/** Parameters of one decoder layer (attention + MLP), for memory estimates and progress. */
export function llamaLayerParameters(c: LlamaConfig): number {
  const q = c.hiddenSize * c.heads * c.headDim;
  const kv = 2 * c.hiddenSize * c.kvHeads * c.headDim;
  return 2 * q + kv + 3 * c.hiddenSize * c.intermediateSize + 2 * c.hiddenSize;
}
