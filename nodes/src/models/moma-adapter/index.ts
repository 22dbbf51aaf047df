/** @module MoMA's adapter file (`attn_adapters_projectors.th`): its structure and its sections' tensors. */
export type {
  MomaAdapter,
  MomaAdapterSection,
  MomaAttentionEntry,
  MomaImageProjection,
  MomaLlmMapping,
} from './moma-adapter';
export { readMomaAdapter, readMomaAdapterSection } from './moma-adapter';
