/**
 * @module
 * What every tokenizer offers: text to vocabulary ids (no special tokens) and back.
 */

/**
 * A text tokenizer: `encode` returns the ids of the text alone, without BOS/EOS or padding; each
 * implementation adds its model's special tokens in its own `tokenize`.
 * @example
 * const ids = tokenizer.encode('a photo of a cat');
 * tokenizer.decode(ids); // 'a photo of a cat'
 */
export interface TextTokenizer {
  /** Ids of `text`, with no special tokens added. */
  encode(text: string): number[];
  /** Text of `ids`; special tokens decode to nothing. */
  decode(ids: readonly number[]): string;
}
