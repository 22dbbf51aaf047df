/**
 * @module
 * CustomDiffusionLoader: a Custom Diffusion concept from `models/custom_diffusion` on a MODEL and a
 * CLIP: its cross-attention key / value weights as a UNet weight patch, its modifier tokens (`<new1>`)
 * added to the CLIP's vocabulary for prompts to use. Loaders in a row combine concepts (see
 * custom-diffusion-patch.ts); a token already taken must be renamed with `modifier_tokens`.
 */
import { defineNode, EngineError, Input } from '@momaflow/engine';
import { checkpointIdentity } from '../diffusion/checkpoint-identity';
import type { ClipModel } from '../diffusion/diffusion-types';
import { loadFailure, modelFileInput } from '../diffusion/model-file-input';
import { customDiffusionPatch, customDiffusionTokens, readCustomDiffusion } from '../models/custom-diffusion';
import type { AddedToken } from '../models/embeddings';
import { unetWeightShapes, withWeightPatch } from '../models/unet';
import { listCustomDiffusion } from './list-custom-diffusion';

const FILE = modelFileInput({
  nodeType: 'CustomDiffusionLoader',
  input: 'custom_diffusion_name',
  folder: 'custom_diffusion',
  list: listCustomDiffusion,
  tooltip:
    "A Custom Diffusion concept, relative to models/custom_diffusion: delta.bin, delta_epoch=N.ckpt, or a diffusers output folder (pytorch_custom_diffusion_weights + '<new1>.bin').",
});

/** Comma-separated names, trimmed; `undefined` for none. */
function parseNames(text: string): string[] | undefined {
  const names = text
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return names.length === 0 ? undefined : names;
}

function checkTokens(clip: ClipModel, tokens: readonly AddedToken[], label: string): void {
  const taken = new Set((clip.addedTokens ?? []).map((t) => t.text.toLowerCase()));
  for (const t of tokens) {
    if (/\s/.test(t.text) || t.text === '') {
      throw new EngineError('invalid_input', `${label}: modifier token '${t.text}' must be one word`);
    }
    if (taken.has(t.text.toLowerCase())) {
      throw new EngineError(
        'custom_diffusion_token_taken',
        `${label}: modifier token '${t.text}' is already added to this CLIP by an earlier concept; give this one other names with 'modifier_tokens'`,
        { token: t.text },
      );
    }
    taken.add(t.text.toLowerCase());
  }
}

/** Loads a Custom Diffusion concept. */
export const CustomDiffusionLoader = defineNode({
  type: 'CustomDiffusionLoader',
  displayName: 'Load Custom Diffusion',
  category: 'loaders',
  description:
    "Applies a Custom Diffusion concept: its fine-tuned cross-attention weights to the model and its modifier tokens (such as <new1>) to the text encoder; write the token in the prompt ('<new1> cat'). Chain loaders to combine concepts.",
  inputs: {
    model: Input.link('MODEL', {
      tooltip: 'The diffusion model whose cross-attention the concept replaces.',
    }),
    clip: Input.link('CLIP', { tooltip: 'The text encoder that learns the modifier tokens.' }),
    custom_diffusion_name: FILE.combo,
    modifier_tokens: Input.string({
      default: '',
      tooltip:
        "Comma-separated names for the file's modifier tokens, in order (e.g. '<cat>'); empty keeps the file's (<new1>, ...).",
    }),
  },
  outputs: [
    { type: 'MODEL', name: 'MODEL', tooltip: 'The model with the concept.' },
    { type: 'CLIP', name: 'CLIP', tooltip: 'The text encoder with the modifier tokens.' },
  ],
  ...FILE.hooks,
  run: async (ctx, { model, clip, custom_diffusion_name: name, modifier_tokens }) => {
    const path = await FILE.resolve(ctx.env, name);
    const width = clip.config.hiddenSize;
    try {
      const plan = await readCustomDiffusion(path, {
        unetShapes: unetWeightShapes(model.layout),
        layersPerBlock: model.config.layersPerBlock,
        width,
      });
      if (plan.unknown.length > 0) {
        ctx.log.warn(
          `${FILE.label}: '${name}': ${plan.unknown.length} keys not applied: ${plan.unknown.join(', ')}`,
          {
            keys: plan.unknown,
          },
        );
      }
      const tokens = await customDiffusionTokens(plan, width, parseNames(modifier_tokens));
      checkTokens(clip, tokens, FILE.label);
      ctx.log.info(
        `${FILE.label}: '${name}' replaces ${plan.weights.length} cross-attention weights and adds ${tokens.map((t) => t.text).join(', ') || 'no tokens'}`,
      );
      const patched = withWeightPatch(model, customDiffusionPatch(plan, await checkpointIdentity(path)));
      const addedTokens = Object.freeze([...(clip.addedTokens ?? []), ...tokens]);
      return [patched, Object.freeze({ ...clip, addedTokens })];
    } catch (cause) {
      if (cause instanceof EngineError && cause.message.startsWith(FILE.label)) throw cause;
      throw loadFailure({ label: FILE.label, name, path, cause, code: 'custom_diffusion_unreadable' });
    }
  },
});
