/** @module SentencePiece tokenizers: LLaMA (LLaVA / MoMA prompts). */

export { LLAMA_NORMALIZER_SPEC, LLAMA_TRAINER_SPEC } from './llama-specs';
export type { LlamaTokenizeOptions } from './llama-tokenizer';
export { LlamaTokenizer } from './llama-tokenizer';
export type { BosTokenizer, ImageTokenOptions } from './llava-image-token';
export { LLAVA_IMAGE_TOKEN, LLAVA_IMAGE_TOKEN_INDEX, tokenizeWithImageToken } from './llava-image-token';
export { loadLlamaTokenizer } from './load-llama-tokenizer';
export type {
  SentencePiece,
  SentencePieceModel,
  SentencePieceModelType,
  SentencePieceNormalizerSpec,
  SentencePieceTrainerSpec,
  SentencePieceType,
} from './sentencepiece-model';
export { parseSentencePieceModel } from './sentencepiece-model';
export { writeSentencePieceModel } from './write-sentencepiece-model';
