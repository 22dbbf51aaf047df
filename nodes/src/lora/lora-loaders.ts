/**
 * @module
 * LoraLoader and LoraLoaderModelOnly, ComfyUI's nodes: a LoRA from `models/loras` applied to a MODEL
 * (and CLIP) at the given strengths. The file is planned from its header against the models, so a
 * LoRA of another architecture fails here naming the module and both shapes; what the file holds that
 * is not applied (unknown formats, modules the model lacks) is logged by name.
 */
import { defineNode, Input, type NodeContext } from '@momaflow/engine';
import { checkpointIdentity } from '../diffusion/checkpoint-identity';
import type { ClipModel } from '../diffusion/diffusion-types';
import { loadFailure, type ModelFileInput, modelFileInput } from '../diffusion/model-file-input';
import { type LoraPlan, loraTargets, readLora } from '../models/lora';
import type { UnetModel } from '../models/unet';
import { applyLora } from './apply-lora';
import { listLoras } from './list-loras';

const STRENGTH = { default: 1, min: -100, max: 100, step: 0.01 } as const;

/** Module names of text-encoder LoRA weights in the formats `loraTargets` knows. */
const TEXT_ENCODER_MODULE = /^(lora_te\d?_|text_encoder\.)/;

function loraFile(nodeType: string): ModelFileInput {
  return modelFileInput({
    nodeType,
    input: 'lora_name',
    folder: 'loras',
    list: listLoras,
    tooltip:
      'The LoRA to apply, relative to models/loras (kohya / A1111, LyCORIS LoCon or diffusers / PEFT).',
  });
}

/** Log what the file holds that is not applied, by name. */
function reportLeftovers(ctx: NodeContext, prefix: string, plan: LoraPlan, modelOnly: boolean): void {
  const skipped = modelOnly ? plan.unmatched.filter((m) => TEXT_ENCODER_MODULE.test(m)) : [];
  const unmatched = plan.unmatched.filter((m) => !skipped.includes(m));
  const list = (names: readonly string[]) => names.join(', ');
  if (plan.unknown.length > 0) {
    ctx.log.warn(
      `${prefix}: ${plan.unknown.length} keys in no LoRA format this loader reads, not applied: ${list(plan.unknown)}`,
      { keys: plan.unknown },
    );
  }
  if (unmatched.length > 0) {
    ctx.log.warn(
      `${prefix}: ${unmatched.length} modules patch weights this model does not have, not applied: ${list(unmatched)}`,
      { modules: unmatched },
    );
  }
  if (skipped.length > 0) {
    ctx.log.info(
      `${prefix}: ${skipped.length} text-encoder modules not applied (the loader patches the MODEL only)`,
      {
        modules: skipped,
      },
    );
  }
}

/** Plan the LoRA `name` against the models, wrapping failures with the input's label. */
async function planLora(
  ctx: NodeContext,
  file: ModelFileInput,
  name: string,
  models: { readonly model: UnetModel; readonly clip?: ClipModel },
): Promise<{ plan: LoraPlan; fileId: string }> {
  const path = await file.resolve(ctx.env, name);
  try {
    const targets = loraTargets({ unet: models.model.layout, clip: models.clip?.config });
    const plan = await readLora(path, targets);
    reportLeftovers(ctx, `${file.label}: '${name}'`, plan, models.clip === undefined);
    return { plan, fileId: await checkpointIdentity(path) };
  } catch (cause) {
    throw loadFailure({ label: file.label, name, path, cause, code: 'lora_unreadable' });
  }
}

const LORA = loraFile('LoraLoader');

/** ComfyUI's LoraLoader. */
export const LoraLoader = defineNode({
  type: 'LoraLoader',
  displayName: 'Load LoRA',
  category: 'loaders',
  description:
    'Applies a LoRA to the diffusion model and the text encoder. Strengths scale its effect (negative values invert it); changing only a strength reuses the compiled models.',
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The diffusion model the LoRA is applied to.' }),
    clip: Input.link('CLIP', { tooltip: 'The text encoder the LoRA is applied to.' }),
    lora_name: LORA.combo,
    strength_model: Input.float({ ...STRENGTH, tooltip: 'How strongly to modify the diffusion model.' }),
    strength_clip: Input.float({ ...STRENGTH, tooltip: 'How strongly to modify the text encoder.' }),
  },
  outputs: [
    { type: 'MODEL', name: 'MODEL', tooltip: 'The modified diffusion model.' },
    { type: 'CLIP', name: 'CLIP', tooltip: 'The modified text encoder.' },
  ],
  ...LORA.hooks,
  run: async (ctx, { model, clip, lora_name, strength_model, strength_clip }) => {
    // As ComfyUI: both strengths 0 leaves the models as they are.
    if (strength_model === 0 && strength_clip === 0) return [model, clip];
    const { plan, fileId } = await planLora(ctx, LORA, lora_name, { model, clip });
    const out = applyLora({
      plan,
      fileId,
      model,
      clip,
      strengthModel: strength_model,
      strengthClip: strength_clip,
    });
    return [out.model, out.clip ?? clip];
  },
});

const LORA_MODEL_ONLY = loraFile('LoraLoaderModelOnly');

/** ComfyUI's LoraLoaderModelOnly. */
export const LoraLoaderModelOnly = defineNode({
  type: 'LoraLoaderModelOnly',
  displayName: 'LoraLoaderModelOnly',
  category: 'loaders',
  description: 'Applies the diffusion-model part of a LoRA; its text-encoder modules, if any, are left out.',
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The diffusion model the LoRA is applied to.' }),
    lora_name: LORA_MODEL_ONLY.combo,
    strength_model: Input.float({ ...STRENGTH, tooltip: 'How strongly to modify the diffusion model.' }),
  },
  outputs: [{ type: 'MODEL', name: 'MODEL', tooltip: 'The modified diffusion model.' }],
  ...LORA_MODEL_ONLY.hooks,
  run: async (ctx, { model, lora_name, strength_model }) => {
    if (strength_model === 0) return [model];
    const { plan, fileId } = await planLora(ctx, LORA_MODEL_ONLY, lora_name, { model });
    return [applyLora({ plan, fileId, model, strengthModel: strength_model }).model];
  },
});
