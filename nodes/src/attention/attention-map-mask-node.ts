/**
 * @module
 * AttentionMapMask: makes the MODEL track where chosen prompt words are being generated, from its
 * cross-attention maps at every step (MoMA's iterative subject mask). Injections applied after it
 * with mask_source 'generated' follow that mask; the sampler hands the last one on with its LATENT
 * (Generated Mask reads it).
 */
import { defineNode, Input } from '@momaflow/engine';
import { clipTokenizer } from '../diffusion/encode-prompt';
import { withPatch } from '../models/unet';
import { attentionMapPatch } from './attention-map-patch';
import { LAYER_SELECTION_NAMES } from './layer-selection';
import { uniquePatchId } from './patch-lookup';
import { wordTokenIds } from './word-tokens';

/** A generated-subject mask from cross-attention maps. */
export const AttentionMapMask = defineNode({
  type: 'AttentionMapMask',
  displayName: 'Attention Map Mask',
  category: 'attention',
  description:
    "Tracks where the given prompt words are being drawn, from the model's cross-attention at each step, as a mask that injections can follow and the sampler outputs.",
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The model to patch.' }),
    clip: Input.link('CLIP', { tooltip: "The model's text encoder (to find the words in the prompt)." }),
    words: Input.string({ default: 'cat', tooltip: 'The word(s) whose attention makes the mask.' }),
    threshold: Input.float({
      default: 0.2,
      min: 0,
      max: 1,
      step: 0.01,
      tooltip: 'Normalised attention at or below this is outside the mask (MoMA: 0.2).',
    }),
    layers: Input.combo({
      options: LAYER_SELECTION_NAMES,
      default: 'all',
      tooltip: 'Which cross-attention layers are averaged.',
    }),
  },
  outputs: [{ type: 'MODEL', name: 'MODEL', tooltip: 'The patched model.' }],
  run: async (ctx, i) => {
    const patch = attentionMapPatch({
      id: uniquePatchId(i.model, 'attention-map'),
      points: i.model.hookPoints,
      layers: i.layers,
      subjectTokenIds: wordTokenIds(await clipTokenizer(ctx.env, i.clip), i.words),
      threshold: i.threshold,
    });
    return [withPatch(i.model, patch)];
  },
});
