import { describe, expect, it } from 'vitest';
import type { SentencePieceNormalizeOptions } from './sentencepiece-normalizer';
import { normalizeForSentencePiece } from './sentencepiece-normalizer';

const LLAMA: SentencePieceNormalizeOptions = {
  spec: { addDummyPrefix: true, removeExtraWhitespaces: false, escapeWhitespaces: true },
  treatWhitespaceAsSuffix: false,
};
const DEFAULTS: SentencePieceNormalizeOptions = {
  spec: { addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true },
  treatWhitespaceAsSuffix: false,
};
const SUFFIX: SentencePieceNormalizeOptions = { ...DEFAULTS, treatWhitespaceAsSuffix: true };
const NO_PREFIX: SentencePieceNormalizeOptions = {
  spec: { addDummyPrefix: false, removeExtraWhitespaces: false, escapeWhitespaces: false },
  treatWhitespaceAsSuffix: false,
};

describe(normalizeForSentencePiece.name, () => {
  it.each([
    ['llama', LLAMA, 'Hello world', '▁Hello▁world'],
    ['llama keeps repeated and edge spaces', LLAMA, '  two  spaces ', '▁▁▁two▁▁spaces▁'],
    ['llama: only U+0020 is a space', LLAMA, 'a\tb\nc', '▁a\tb\nc'],
    ['llama: empty stays empty', LLAMA, '', ''],
    ['llama: one space', LLAMA, ' ', '▁▁'],
    ['defaults collapse spaces', DEFAULTS, '  two  spaces ', '▁two▁spaces'],
    ['defaults: all spaces is empty', DEFAULTS, '   ', ''],
    ['whitespace as suffix', SUFFIX, ' a  b ', 'a▁b▁'],
    ['no prefix, no escaping', NO_PREFIX, 'a b', 'a b'],
    ['lone surrogate reads as U+FFFD', LLAMA, 'a\ud800', '▁a\ufffd'],
  ])('%s: %j -> %j', (_name, options, input, expected) => {
    expect(normalizeForSentencePiece(input, options)).toBe(expected);
  });
});
