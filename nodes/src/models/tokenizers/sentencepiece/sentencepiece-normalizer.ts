/**
 * @module
 * SentencePiece's text normalizer (google/sentencepiece `src/normalizer.cc` `Normalizer::Normalize`)
 * for models without compiled normalization rules, such as LLaMA's `identity` normalizer.
 */
import type { SentencePieceNormalizerSpec } from './sentencepiece-model';

/** U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's visible space. */
export const SPACE_SYMBOL = '\u2581';

/** Options of `normalizeForSentencePiece`, from the model's normalizer and trainer specs. */
export interface SentencePieceNormalizeOptions {
  readonly spec: Pick<
    SentencePieceNormalizerSpec,
    'addDummyPrefix' | 'removeExtraWhitespaces' | 'escapeWhitespaces'
  >;
  /** `TrainerSpec.treat_whitespace_as_suffix`: the dummy space goes to the end instead. */
  readonly treatWhitespaceAsSuffix: boolean;
}

/**
 * Normalizes text for encoding: optionally drops leading, trailing and repeated spaces, adds the dummy
 * prefix space (so a word at the start encodes like one after a space), and writes spaces as `▁`.
 * Only U+0020 counts as a space; tabs and newlines stay as they are (they are byte-fallback tokens in
 * LLaMA). Empty or all-space input normalizes to '' (no dummy prefix).
 * @example
 * normalizeForSentencePiece('Hello world', { spec: LLAMA_SPEC, treatWhitespaceAsSuffix: false }); // '▁Hello▁world'
 */
export function normalizeForSentencePiece(text: string, options: SentencePieceNormalizeOptions): string {
  const { spec, treatWhitespaceAsSuffix } = options;
  // Lone surrogates are malformed UTF-8 to SentencePiece, which reads them as U+FFFD.
  let input = text.replace(/\p{Cs}/gu, '\ufffd');
  if (spec.removeExtraWhitespaces) input = input.replace(/^ +/, '');
  if (input === '') return '';
  const space = spec.escapeWhitespaces ? SPACE_SYMBOL : ' ';
  let out = !treatWhitespaceAsSuffix && spec.addDummyPrefix ? space : '';
  let isPrevSpace = spec.removeExtraWhitespaces;
  for (const char of input) {
    if (char === ' ') {
      if (!isPrevSpace) out += space;
      isPrevSpace = spec.removeExtraWhitespaces;
    } else {
      out += char;
      isPrevSpace = false;
    }
  }
  if (spec.removeExtraWhitespaces) {
    while (out.endsWith(space)) out = out.slice(0, -space.length);
  }
  if (treatWhitespaceAsSuffix && spec.addDummyPrefix) out += space;
  return out;
}
