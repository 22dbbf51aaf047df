/**
 * @module
 * LLaMA decoders as graph ops (the language model of LLaVA): config from transformers files, the
 * decoder layer (RMSNorm, RoPE, causal grouped-query attention, SwiGLU MLP) and its causal mask.
 */
export { causalMask } from './causal-mask';
export type { LlamaConfig, LlamaConfigJson } from './llama-config';
export { LLAMA_CONFIG_JSON_SCHEMA, llamaConfigFromJson, llamaLayerParameters } from './llama-config';
export type { LlamaLayerOptions, LlamaProjection, LlamaQuantization } from './llama-decoder-layer';
export { LLAMA_PROJECTIONS, llamaDecoderLayer, llamaQuantization } from './llama-decoder-layer';
