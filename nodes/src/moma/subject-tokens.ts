/**
 * @module
 * Which vocabulary ids stand for the subject in a prompt, as MoMA's `get_subject_idx` picks them: the
 * first token of each space-separated word of the subject; every prompt position holding one of them
 * is a subject position.
 */
import { EngineError } from '@momaflow/engine';
import type { TextTokenizer } from '../models/tokenizers';

/**
 * @throws EngineError `invalid_subject` when the subject has no word.
 * @example
 * subjectTokenIds(tokenizer, 'cat'); // [2368]
 */
export function subjectTokenIds(tokenizer: Pick<TextTokenizer, 'encode'>, subject: string): number[] {
  const words = subject.split(' ').filter((w) => w.trim() !== '');
  const ids = words.flatMap((w) => tokenizer.encode(w).slice(0, 1));
  if (ids.length === 0)
    throw new EngineError('invalid_subject', `the subject '${subject}' has no word to find in the prompt`);
  return ids;
}
