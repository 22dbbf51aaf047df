/**
 * @module
 * A prompt through a CLIP handle: tokenize (77 positions for SD1.x, EOS padding; `embedding:<name>`
 * textual inversions and the handle's added tokens become rows of their own), run the text encoder
 * with the handle's weight-patch strengths, and wrap the hidden states as CONDITIONING.
 */
import type { NodeEnv } from '@momaflow/engine';
import { promptTokens } from '../embeddings/prompt-tokens';
import { EXTRA_TOKENS_INPUT, encodeText } from '../models/clip-text';
import { patchInputs } from '../models/ldm-config';
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
 * @throws EngineError for an embedding the prompt names that is missing or does not fit, its message
 * starting with `label` (default `'prompt'`).
 * @example
 * const { conditioning, tokens } = await encodePrompt(env, clip, 'a photo of a cat');
 * if (tokens.truncated) log.warn('prompt truncated');
 */
export async function encodePrompt(
  env: NodeEnv,
  clip: ClipModel,
  text: string,
  o: { readonly label?: string } = {},
): Promise<EncodedPrompt> {
  const tokenizer = await clipTokenizer(env, clip);
  const tokens = await promptTokens({ env, clip, tokenizer, text, label: o.label ?? 'prompt' });
  const feeds = {
    ...patchInputs(clip.weightPatches ?? []),
    ...(tokens.extra === undefined ? {} : { [EXTRA_TOKENS_INPUT]: tokens.extra }),
  };
  const kind = tokens.extra === undefined ? 'clip-text' : 'clip-text-embeds';
  const context = await withModelSession(env, { kind, handle: clip }, (session) =>
    encodeText(session, [tokens.ids], { layer: clip.layer, feeds }),
  );
  return { conditioning: Object.freeze([Object.freeze({ context, tokenIds: tokens.ids })]), tokens };
}
