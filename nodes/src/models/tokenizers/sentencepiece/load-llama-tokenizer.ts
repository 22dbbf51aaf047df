/**
 * @module
 * Reads a LLaMA `tokenizer.model` from disk.
 */
import { EngineError } from '@momaflow/engine';
import { readTokenizerFile } from '../read-tokenizer-file';
import { LlamaTokenizer } from './llama-tokenizer';
import { parseSentencePieceModel } from './sentencepiece-model';

/**
 * Loads the SentencePiece model file that LLaMA / LLaVA checkpoints ship as `tokenizer.model`.
 * @example
 * const llama = await loadLlamaTokenizer('models/llava-7b/tokenizer.model');
 */
export async function loadLlamaTokenizer(path: string): Promise<LlamaTokenizer> {
  const bytes = await readTokenizerFile(path);
  try {
    return LlamaTokenizer.fromModel(parseSentencePieceModel(bytes));
  } catch (cause) {
    if (cause instanceof EngineError) {
      throw new EngineError(cause.code, `${path}: ${cause.message}`, { ...cause.details, path }, { cause });
    }
    throw cause;
  }
}
