/**
 * @module
 * A prompt through a CLIP handle: tokenize (77 positions for SD1.x, EOS padding), run the text
 * encoder, and wrap the hidden states as CONDITIONING.
 */
import type { NodeEnv } from '@momaflow/engine';
import { encodeText } from '../models/clip-text';
import type { ClipTokenized, ClipTokenizer } from '../models/tokenizers';
import { clipTokenizerKey, loadClipTokenizerFrom } from './clip-tokenizers';
import { CLIP_TOKENIZERS } from './diffusion-resources';
import type { ClipModel, Conditioning } from './diffusion-types';
import { withModelSession } from './model-graphs';

/** A prompt's conditioning and its tokens (for truncation warnings and tests). */
export interface EncodedPrompt {
  readonly conditioning: Conditioning;
  readonly tokens: ClipTokenized;
}

/**
 * The tokenizer of a CLIP handle, shared through `CLIP_TOKENIZERS`.
 * @example
 * const ids = (await clipTokenizer(env, clip)).encode('cat');
 */
export function clipTokenizer(env: NodeEnv, clip: ClipModel): Promise<ClipTokenizer> {
  return env
    .resource(CLIP_TOKENIZERS)
    .get(clipTokenizerKey(clip.tokenizer), () => loadClipTokenizerFrom(clip.tokenizer));
}

/**
 * Encode `text` with `clip`: [1, positions, hidden] hidden states of the handle's layer.
 * @example
 * const { conditioning, tokens } = await encodePrompt(env, clip, 'a photo of a cat');
 * if (tokens.truncated) log.warn('prompt truncated');
 */
export async function encodePrompt(env: NodeEnv, clip: ClipModel, text: string): Promise<EncodedPrompt> {
  const tokenizer = await clipTokenizer(env, clip);
  const tokens = tokenizer.tokenize(text, { maxLength: clip.config.maxPositions });
  const context = await withModelSession(env, { kind: 'clip-text', handle: clip }, (session) =>
    encodeText(session, [tokens.ids], { layer: clip.layer }),
  );
  return { conditioning: Object.freeze([Object.freeze({ context, tokenIds: tokens.ids })]), tokens };
}
