/**
 * @module
 * ImagePromptAttention: decoupled image-prompt cross-attention on a MODEL (IP-Adapter's and MoMA's
 * cross path) from an ATTENTION_ADAPTER's `to_k_ip` / `to_v_ip` and IMAGE_PROMPT tokens. Applying it
 * again adds another image prompt beside the first.
 */
import { defineNode, Input } from '@momaflow/engine';
import { withPatch } from '../models/unet';
import { loadAttentionAdapter } from './attention-adapter';
import { fittedEntries } from './decoupled-weights';
import { imagePromptPatch } from './image-prompt-patch';
import { INJECTION_INPUTS, injectionMaskFrom, injectionRange } from './injection-inputs';
import { uniquePatchId } from './patch-lookup';

const NODE = 'ImagePromptAttention';

/** Decoupled image-prompt cross-attention. */
export const ImagePromptAttention = defineNode({
  type: NODE,
  displayName: 'Image Prompt Attention',
  category: 'attention',
  description:
    "Adds image-prompt tokens to every cross-attention of the model through an adapter's own key/value weights (IP-Adapter style decoupled attention).",
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The model to patch.' }),
    attention_adapter: Input.link('ATTENTION_ADAPTER', { tooltip: 'The to_k_ip / to_v_ip weights.' }),
    image_prompt: Input.link('IMAGE_PROMPT', { tooltip: 'The image-prompt tokens.' }),
    scale: Input.float({
      default: 1,
      min: 0,
      max: 4,
      step: 0.05,
      tooltip: 'Weight of the image prompt next to the text.',
    }),
    ...INJECTION_INPUTS,
  },
  outputs: [{ type: 'MODEL', name: 'MODEL', tooltip: 'The patched model.' }],
  run: async (ctx, i) => {
    const weights = await loadAttentionAdapter(ctx.env, i.attention_adapter);
    const entries = fittedEntries(weights, i.model.hookPoints, 'cross', {
      source: i.attention_adapter.path,
      needsScale: false,
    });
    const patch = imagePromptPatch({
      id: uniquePatchId(i.model, 'image-prompt'),
      entries,
      tokens: i.image_prompt,
      scale: i.scale,
      mask: injectionMaskFrom({ node: NODE, model: i.model, source: i.mask_source, mask: i.mask }),
      range: injectionRange(NODE, i.start_at, i.end_at),
    });
    return [withPatch(i.model, patch)];
  },
});
