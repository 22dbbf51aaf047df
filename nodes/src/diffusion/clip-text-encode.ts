/**
 * @module
 * CLIPTextEncode, ComfyUI's node: a prompt encoded by a CLIP into CONDITIONING for a sampler. Prompts
 * longer than the encoder's 77 positions are truncated, with a warning naming how many tokens were
 * dropped (as diffusers warns). The files of the textual-inversion embeddings a prompt names are part
 * of its cache signature.
 */
import { defineNode, Input } from '@momaflow/engine';
import { embeddingsFingerprint } from '../embeddings/embedding-files';
import { encodePrompt } from './encode-prompt';

const LABEL = "CLIPTextEncode input 'text'";

/** ComfyUI's CLIPTextEncode. */
export const CLIPTextEncode = defineNode({
  type: 'CLIPTextEncode',
  displayName: 'CLIP Text Encode (Prompt)',
  category: 'conditioning',
  description: 'Encodes a text prompt with a CLIP model into conditioning that guides a sampler towards it.',
  inputs: {
    text: Input.string({
      default: '',
      multiline: true,
      tooltip:
        'The prompt. SD1.x reads at most 75 tokens (about 60 words); the rest is dropped with a warning. embedding:<name> uses a textual-inversion embedding from models/embeddings.',
    }),
    clip: Input.link('CLIP', { tooltip: 'The text encoder, from a checkpoint loader.' }),
  },
  outputs: [
    {
      type: 'CONDITIONING',
      name: 'CONDITIONING',
      tooltip: "The prompt's embedding, for a sampler's positive or negative input.",
    },
  ],
  // A replaced embedding file must re-run the node (its name in the prompt stays the same).
  fingerprint: ({ values, env }) => embeddingsFingerprint(env, values.text ?? ''),
  run: async (ctx, { text, clip }) => {
    const { conditioning, tokens } = await encodePrompt(ctx.env, clip, text, { label: LABEL });
    if (tokens.truncated) {
      const kept = clip.config.maxPositions - 2;
      ctx.log.warn(
        `CLIPTextEncode: the prompt has ${tokens.tokenCount} tokens; only the first ${kept} are used, ${tokens.tokenCount - kept} were dropped`,
        { tokens: tokens.tokenCount, kept },
      );
    }
    return [conditioning];
  },
});
