/**
 * @module
 * Reads a CLIP tokenizer from disk, in either layout SD1.x models ship it.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { EngineError } from '@momaflow/engine';
import { readTokenizerFile } from '../read-tokenizer-file';
import { clipVocabFromOpenAiMerges, clipVocabFromVocabAndMerges } from './clip-bpe-vocab';
import { ClipTokenizer } from './clip-tokenizer';

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function readText(path: string): Promise<string> {
  return (await readTokenizerFile(path)).toString('utf8');
}

/**
 * Loads a CLIP tokenizer from a diffusers/HF tokenizer folder (`vocab.json` + `merges.txt`), or from
 * OpenAI's merges file `bpe_simple_vocab_16e6.txt` (gzipped or not). Both give the same ids.
 * @example
 * const tok = await loadClipTokenizer('models/stable-diffusion-v1-5/tokenizer');
 * const same = await loadClipTokenizer('models/bpe_simple_vocab_16e6.txt.gz');
 */
export async function loadClipTokenizer(path: string): Promise<ClipTokenizer> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(path)).isDirectory();
  } catch (cause) {
    throw new EngineError(
      'tokenizer_file_missing',
      `tokenizer path ${path} does not exist`,
      { path },
      { cause },
    );
  }
  if (isFolder) {
    const [vocabJson, mergesTxt] = await Promise.all([
      readText(join(path, 'vocab.json')),
      readText(join(path, 'merges.txt')),
    ]);
    return ClipTokenizer.fromVocab(clipVocabFromVocabAndMerges({ vocabJson, mergesTxt, source: path }));
  }
  const bytes = await readFile(path);
  const mergesTxt = (isGzip(bytes) ? gunzipSync(bytes) : bytes).toString('utf8');
  return ClipTokenizer.fromVocab(clipVocabFromOpenAiMerges({ mergesTxt, source: path }));
}
