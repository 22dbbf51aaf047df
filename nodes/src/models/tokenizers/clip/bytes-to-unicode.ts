/**
 * @module
 * The reversible byte <-> printable-character table of GPT-2 / CLIP byte-level BPE
 * (openai/CLIP `simple_tokenizer.py` `bytes_to_unicode`).
 */

function isPrintableLatin1(b: number): boolean {
  return (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
}

/**
 * The 256 `[byte, char]` pairs in the order CLIP builds its vocabulary from them: printable Latin-1
 * bytes map to themselves, the other 68 (controls, space, soft hyphen...) to U+0100 onwards, so that
 * BPE never sees whitespace or control characters.
 * @example
 * const table = bytesToUnicode();
 * table[0]; // [33, '!']
 */
export function bytesToUnicode(): Array<readonly [number, string]> {
  const pairs: Array<readonly [number, string]> = [];
  for (let b = 0; b < 256; b++) {
    if (isPrintableLatin1(b)) pairs.push([b, String.fromCharCode(b)]);
  }
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!isPrintableLatin1(b)) pairs.push([b, String.fromCharCode(256 + n++)]);
  }
  return pairs;
}
