import { describe, expect, it } from 'vitest';
import type { BpeVocab } from './sentencepiece-bpe';
import { sentencePieceBpe } from './sentencepiece-bpe';

function vocab(
  scores: Record<string, number>,
  options: { unused?: string[]; userDefined?: string[] } = {},
): BpeVocab {
  const unused = new Set(options.unused);
  const userDefined = options.userDefined ?? [];
  return {
    mergeScore: (piece) => scores[piece] ?? (userDefined.includes(piece) ? 0 : undefined),
    isUnused: (piece) => unused.has(piece),
    matchUserDefined: (text, offset) =>
      userDefined.filter((p) => text.startsWith(p, offset)).sort((a, b) => b.length - a.length)[0],
  };
}

describe(sentencePieceBpe.name, () => {
  it.each([
    ['characters when nothing merges', 'abc', vocab({}), ['a', 'b', 'c']],
    ['highest score first, not leftmost', 'abc', vocab({ ab: -2, bc: -1 }), ['a', 'bc']],
    ['leftmost first on equal scores', 'aaa', vocab({ aa: -1 }), ['aa', 'a']],
    ['merges chain into longer pieces', 'abcd', vocab({ ab: -1, cd: -2, abcd: -3 }), ['abcd']],
    ['astral characters are one symbol', '😀x', vocab({}), ['😀', 'x']],
    [
      'an unused piece is merged through, then split back',
      'abc',
      vocab({ ab: -1, abc: -2 }, { unused: ['ab'] }),
      ['abc'],
    ],
    [
      'an unused final piece is split into its parts',
      'ab',
      vocab({ ab: -1 }, { unused: ['ab'] }),
      ['a', 'b'],
    ],
    [
      'user-defined pieces are never merged',
      'x<m>y',
      vocab({ 'x<': -1, '>y': -1 }, { userDefined: ['<m>'] }),
      ['x', '<m>', 'y'],
    ],
    ['empty text', '', vocab({}), []],
  ])('%s', (_name, text, v, expected) => {
    expect(sentencePieceBpe(text, v)).toEqual(expected);
  });
});
