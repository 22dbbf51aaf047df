import { describe, expect, it } from 'vitest';
import { cleanClipText } from './clean-clip-text';

describe(cleanClipText.name, () => {
  it.each([
    ['  A   Photo \t of\n\nA CAT  ', 'a photo of a cat'],
    // Resolved twice, as openai/CLIP's basic_clean does.
    ['fish &amp;amp; chips', 'fish & chips'],
    // NFC: a combining accent joins its letter.
    ['Cafe\u0301', 'caf\u00e9'],
    // Controls that are not whitespace vanish; Python-only whitespace (U+001F, U+0085) collapses.
    ['a\u0000b\u0007c\u007f', 'abc'],
    ['a\u001fb\u0085c', 'a b c'],
    ['\u3000\u00a0', ''],
    ['lone \ud800 surrogate', 'lone \ufffd surrogate'],
  ])('%j -> %j', (input, expected) => {
    expect(cleanClipText(input)).toBe(expected);
  });
});
