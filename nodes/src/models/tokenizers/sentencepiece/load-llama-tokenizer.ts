/**
 * @module
 * Reads a LLaMA `tokenizer.model` from disk.
 */
import { readFile } from 'node:fs/promises';
import { EngineError } from '@momaflow/engine';
import { LlamaTokenizer } from './llama-tokenizer';
import { parseSentencePieceModel } from './sentencepiece-model';

/**
 * Loads the SentencePiece model file that LLaMA / LLaVA checkpoints ship as `tokenizer.model`.
 * @example
 * const llama = await loadLlamaTokenizer('models/llava-7b/tokenizer.model');
 */
export async function loadLlamaTokenizer(path: string): Promise<LlamaTokenizer> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new EngineError(
      'tokenizer_file_missing',
      `cannot read tokenizer file ${path}`,
      { path },
      { cause },
    );
  }
  try {
    return LlamaTokenizer.fromModel(parseSentencePieceModel(bytes));
  } catch (cause) {
    if (cause instanceof EngineError) {
      throw new EngineError(cause.code, `${path}: ${cause.message}`, { ...cause.details, path }, { cause });
    }
    throw cause;
  }
}
