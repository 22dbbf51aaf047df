/**
 * @module
 * Which vocabulary ids stand for some words in a prompt, as MoMA's `get_subject_idx` picks them: the
 * first token of each space-separated word; every prompt position holding one of them is a position
 * of the words.
 */
import { EngineError } from '@momaflow/engine';
import type { TextTokenizer } from '../models/tokenizers';

/**
 * @throws EngineError `invalid_words` when there is no word.
 * @example
 * wordTokenIds(tokenizer, 'cat'); // [2368]
 */
export function wordTokenIds(tokenizer: Pick<TextTokenizer, 'encode'>, words: string): number[] {
  const list = words.split(' ').filter((w) => w.trim() !== '');
  const ids = list.flatMap((w) => tokenizer.encode(w).slice(0, 1));
  if (ids.length === 0)
    throw new EngineError('invalid_words', `'${words}' has no word to find in the prompt`);
  return ids;
}
