/**
 * @module
 * The MLLM node pack: MLLMLoader (LLaVA checkpoint + CLIP vision tower, graphs built and quantized
 * at load) and MLLMAdapter (MoMA's image-prompt tokens from a reference image), the MLLM socket, and
 * the per-environment caches they share.
 */
export type { MakeTinyMomaOptions, TinyMomaFiles } from '../models/tiny';
export { makeTinyMoma, TINY_CLIP_VISION_DIR, TINY_LLAVA_DIR, TINY_MOMA_ADAPTER_FILE } from '../models/tiny';
export type { ImagePromptTokens } from './image-prompt-head';
export { imagePromptTokens } from './image-prompt-head';
export { listMllmModels, listVisionTowers } from './list-mllm-files';
export { MLLMAdapter } from './mllm-adapter';
export { BUNDLED_TOWER, MLLMLoader } from './mllm-loader';
export { MLLM_NODES } from './mllm-nodes';
export { IMAGE_PROMPT_GRAPHS, LLAVA_GRAPHS, MLLM_SESSIONS, MLLM_TOKENIZERS } from './mllm-resources';
export type { LlavaModel } from './mllm-types';
export { momaLlavaPrompt } from './moma-prompt';
