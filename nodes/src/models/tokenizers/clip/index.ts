/** @module CLIP BPE tokenizer (SD1.x text encoders). */

export { cleanClipText } from './clean-clip-text';
export type { ClipBpeVocab } from './clip-bpe-vocab';
export {
  CLIP_BOS_TOKEN,
  CLIP_EOS_TOKEN,
  clipVocabFromOpenAiMerges,
  clipVocabFromVocabAndMerges,
} from './clip-bpe-vocab';
export type { ClipTokenized, ClipTokenizeOptions } from './clip-tokenizer';
export { ClipTokenizer } from './clip-tokenizer';
export { loadClipTokenizer } from './load-clip-tokenizer';
