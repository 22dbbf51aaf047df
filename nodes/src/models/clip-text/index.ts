/**
 * @module
 * The SD1.x text encoder (HF `CLIPTextModel`): config from transformers / LDM layouts, weights from
 * diffusers folders and single-file checkpoints, the ONNX graph (last and penultimate hidden states)
 * and its runner.
 */
export type { ClipTextGraphOptions } from './build-clip-text-graph';
export { buildClipTextGraph, CLIP_TEXT_IO } from './build-clip-text-graph';
export type { ClipAttentionKernel, ClipEncoderLayerOptions, ClipLayerShape } from './clip-encoder-layer';
export { clipEncoderLayer } from './clip-encoder-layer';
export type { ClipHiddenAct, ClipTextConfig, ClipTextConfigJson } from './clip-text-config';
export {
  CLIP_TEXT_CONFIG_JSON_SCHEMA,
  clipTextConfigFromJson,
  clipTextConfigFromLdmYaml,
  SD1_CLIP_TEXT_CONFIG,
} from './clip-text-config';
export { clipTextSelector, convertClipTextKey, LDM_CLIP_PREFIX } from './clip-text-keys';
export type { ClipTextLayer, EncodeTextOptions } from './encode-text';
export { encodeText } from './encode-text';
export type { ClipTextCheckpoint } from './load-clip-text';
export { loadClipText, loadClipTextFromLayout } from './load-clip-text';
export { EXTRA_TOKENS_INPUT, tokenEmbeddings } from './token-embeddings';
