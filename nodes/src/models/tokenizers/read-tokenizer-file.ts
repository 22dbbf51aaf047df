/**
 * @module
 * Reading a tokenizer file, with the error every tokenizer loader gives for one it cannot read.
 */
import { readFile } from 'node:fs/promises';
import { EngineError } from '@momaflow/engine';

/**
 * The bytes of the tokenizer file at `path`.
 * @throws EngineError `tokenizer_file_missing` naming the path when it cannot be read.
 * @example
 * const merges = (await readTokenizerFile(join(dir, 'merges.txt'))).toString('utf8');
 */
export async function readTokenizerFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new EngineError(
      'tokenizer_file_missing',
      `cannot read tokenizer file ${path}`,
      { path },
      { cause },
    );
  }
}
