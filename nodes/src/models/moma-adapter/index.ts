/** @module MoMA's adapter file (`attn_adapters_projectors.th`): its structure and its sections' tensors. */
export type {
  MomaAdapter,
  MomaAdapterSection,
  MomaAttentionEntry,
  MomaImageProjection,
  MomaLlmMapping,
} from './moma-adapter';
export { readMomaAdapter, readMomaAdapterSection } from './moma-adapter';
export type { MomaImagePromptWeights } from './moma-image-prompt-graph';
export { buildMomaImagePromptGraph, MOMA_IMAGE_PROMPT_IO } from './moma-image-prompt-graph';
