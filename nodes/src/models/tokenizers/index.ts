/** @module Text tokenizers: CLIP BPE for SD1.x text encoders, LLaMA SentencePiece for LLaVA / MoMA. */
export * from './clip';
export * from './sentencepiece';
export type { TextTokenizer } from './text-tokenizer';
