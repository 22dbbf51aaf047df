/**
 * @module
 * The trainer and normalizer settings of LLaMA's `tokenizer.model` (LLaMA 1/2, so LLaVA and MoMA):
 * BPE with byte fallback, `<unk>` `<s>` `</s>`, an identity normalizer that adds the dummy prefix and
 * keeps runs of spaces. Models made in the same configuration (the tiny LLaVA, tests) start from these.
 */
import type { SentencePieceNormalizerSpec, SentencePieceTrainerSpec } from './sentencepiece-model';

/** LLaMA's trainer settings that shape encoding. */
export const LLAMA_TRAINER_SPEC: SentencePieceTrainerSpec = Object.freeze({
  modelType: 'bpe',
  byteFallback: true,
  treatWhitespaceAsSuffix: false,
  unkPiece: '<unk>',
  bosPiece: '<s>',
  eosPiece: '</s>',
  padPiece: '<pad>',
  unkSurface: ' \u2047 ',
});

/** LLaMA's normalizer. */
export const LLAMA_NORMALIZER_SPEC: SentencePieceNormalizerSpec = Object.freeze({
  name: 'identity',
  precompiledCharsmap: new Uint8Array(0),
  addDummyPrefix: true,
  removeExtraWhitespaces: false,
  escapeWhitespaces: true,
});
