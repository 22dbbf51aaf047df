import { describe, expect, it } from 'vitest';
import type { BosTokenizer } from './llava-image-token';
import { tokenizeWithImageToken } from './llava-image-token';

/** One id per character (its code), BOS 1 first when `withBos`. */
function charTokenizer(withBos: boolean): BosTokenizer {
  return {
    bosId: 1,
    tokenize: (text) => [...(withBos ? [1] : []), ...Array.from(text, (c) => c.codePointAt(0) as number)],
  };
}

describe(tokenizeWithImageToken.name, () => {
  it.each([
    ['no image', true, 'ab', [1, 97, 98]],
    ['one image, BOS once', true, 'a<image>b', [1, 97, -200, 98]],
    ['image first', true, '<image>b', [1, -200, 98]],
    ['image last', true, 'a<image>', [1, 97, -200]],
    ['two images', true, '<image><image>', [1, -200, -200]],
    ['tokenizer without BOS keeps every id', false, 'a<image>b', [97, -200, 98]],
  ])('%s', (_name, withBos, text, expected) => {
    expect(tokenizeWithImageToken(charTokenizer(withBos), text)).toEqual(expected);
  });

  it('takes another placeholder and index', () => {
    expect(
      tokenizeWithImageToken(charTokenizer(true), 'a[img]b', { imageToken: '[img]', imageTokenIndex: -1 }),
    ).toEqual([1, 97, -1, 98]);
  });
});
