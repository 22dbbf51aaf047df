import { defineNode, EngineError, Input } from '@momaflow/engine';
import {
  loadAttentionAdapter,
  REFERENCE_SIZE,
  referenceInputs,
  referenceLatent,
  wordTokenIds,
} from '../attention';
import { clipTokenizer, encodePrompt, type ImagePrompt, SD15_LATENT_SCALE } from '../diffusion';
import { type UnetModel, withPatch } from '../models/unet';
import { torchRandn } from '../samplers';
import { MOMA_ATTENTION_SECTION } from './moma-adapter-loader';
import { MOMA_MODES, MOMA_PATCH_IDS, momaPatches } from './moma-patches';
import { momaPrompt } from './moma-prompt';

/** MoMA's modes and a custom strength. */
const MODES = [...(Object.keys(MOMA_MODES) as (keyof typeof MOMA_MODES)[]), 'custom'] as const;

/** The reference noise added at t = 0 is drawn from this seed, so a reference always gives one result. */
const REFERENCE_NOISE_SEED = 0;

const label = (input: string) => `MoMAApply input '${input}'`;

/** EngineError unless the MODEL is free of MoMA patches. */
function refuseMomaPatched(model: UnetModel): void {
  const ids = new Set<string>(Object.values(MOMA_PATCH_IDS));
  if (model.patches.some((p) => ids.has(p.id))) {
    throw new EngineError(
      'model_already_patched',
      `${label('model')}: this MODEL already went through MoMAApply; give it the unpatched MODEL (one MoMA reference per model)`,
    );
  }
}

/** The image-prompt tokens, checked against the model's cross-attention width. */
function requireImagePrompt(prompt: ImagePrompt, model: UnetModel): ImagePrompt {
  for (const [side, t] of Object.entries(prompt)) {
    if (t.rank !== 3 || t.shape[2] !== model.config.crossAttentionDim) {
      throw new EngineError(
        'invalid_input',
        `${label('image_prompt')}: ${side} tokens [${t.shape.join(', ')}] must be [batch, tokens, ${model.config.crossAttentionDim}] for this model`,
      );
    }
  }
  return prompt;
}

/** MoMA on a MODEL. */
export const MoMAApply = defineNode({
  type: 'MoMAApply',
  displayName: 'Apply MoMA',
  category: 'moma',
  description:
    "Personalises the model with a subject from one reference image (MoMA): the MLLM's image-prompt tokens guide every cross-attention, the reference image's features are injected into every self-attention, both where the subject is being generated. Outputs the patched model and MoMA's positive prompt.",
  inputs: {
    model: Input.link('MODEL', { tooltip: 'The SD1.5 model to personalise.' }),
    clip: Input.link('CLIP', { tooltip: "The model's text encoder (for the prompt and the subject word)." }),
    vae: Input.link('VAE', { tooltip: "The model's VAE (encodes the reference image)." }),
    moma_adapter: Input.link('MOMA_ADAPTER', { tooltip: "MoMA's adapter file (Load MoMA Adapter)." }),
    image_prompt: Input.link('IMAGE_PROMPT', {
      optional: true,
      tooltip:
        "The MLLM adapter's image-prompt tokens for this reference and prompt. Without them only the reference's self-attention features carry the subject.",
    }),
    reference_image: Input.link('IMAGE', { tooltip: 'The reference image of the subject.' }),
    reference_mask: Input.link('MASK', {
      optional: true,
      tooltip:
        'Where the subject is in the reference image (1 = subject), e.g. from Segment; resized to the image if needed. The whole image when absent.',
    }),
    subject: Input.string({
      default: 'cat',
      tooltip: 'The subject word(s), as they appear in the prompt (e.g. "cat", "car").',
    }),
    prompt: Input.string({
      default: 'A cat in autumn with falling leaves.',
      multiline: true,
      tooltip: 'The new image. MoMA prefixes it with "photo of a {subject}."',
    }),
    reference_size: Input.int({
      ...REFERENCE_SIZE,
      tooltip:
        'The reference image is resized to this square size first, as MoMA does (512); 0 keeps its size (the reference pass then costs as much as generating at that size).',
    }),
    mode: Input.combo({
      options: MODES,
      default: 'context',
      tooltip:
        "'context': new scene, keep the subject's details (strength 1.0); 'texture': new material or style (strength 0.4); 'custom': the strength below.",
    }),
    strength: Input.float({
      default: 1,
      min: 0,
      max: 2,
      step: 0.05,
      tooltip: "How strongly the reference's appearance is injected; used when mode is 'custom'.",
    }),
  },
  outputs: [
    { type: 'MODEL', name: 'MODEL', tooltip: 'The model with MoMA applied.' },
    { type: 'CONDITIONING', name: 'positive', tooltip: 'MoMA\'s prompt: "photo of a {subject}. {prompt}".' },
  ],
  run: async (ctx, i) => {
    refuseMomaPatched(i.model);
    const imagePrompt =
      i.image_prompt === undefined ? undefined : requireImagePrompt(i.image_prompt, i.model);
    if (imagePrompt === undefined) {
      ctx.log.info(
        "MoMAApply: no 'image_prompt': MoMA runs without the MLLM's tokens (reference self-attention only)",
      );
    }
    const { image, mask } = referenceInputs({
      node: 'MoMAApply',
      image: i.reference_image,
      mask: i.reference_mask,
      size: i.reference_size,
      log: ctx.log,
    });
    const stages = 4;
    ctx.progress(0, stages);
    const positive = await encodePrompt(ctx.env, i.clip, momaPrompt(i.subject, i.prompt));
    const subjectIds = wordTokenIds(await clipTokenizer(ctx.env, i.clip), i.subject);
    if (mask?.empty === true) {
      ctx.log.warn(
        "MoMAApply: the reference mask is empty (no subject pixel), so MoMA is off: the model is returned unpatched and the image follows the prompt alone. Check 'reference_mask' (1 = subject).",
      );
      ctx.progress(stages, stages);
      return [i.model, positive.conditioning];
    }
    ctx.progress(1, stages);
    const adapter = i.moma_adapter;
    const weights = await loadAttentionAdapter(ctx.env, {
      kind: 'attention-adapter',
      key: adapter.key,
      path: adapter.path,
      section: MOMA_ATTENTION_SECTION,
    });
    ctx.progress(2, stages);
    const latent = await referenceLatent(ctx.env, i.vae, image, label('reference_image'), ctx.signal);
    ctx.progress(3, stages);
    const subject = await encodePrompt(ctx.env, i.clip, i.subject);
    const { patches } = momaPatches({
      points: i.model.hookPoints,
      weights,
      source: adapter.path,
      imagePrompt,
      referenceLatent: latent,
      referenceNoise: torchRandn({ seed: REFERENCE_NOISE_SEED, shape: latent.shape }),
      subjectContext: subject.conditioning[0]!.context,
      ...(mask === undefined ? {} : { referenceMask: mask.mask }),
      subjectTokenIds: subjectIds,
      strength: i.mode === 'custom' ? i.strength : MOMA_MODES[i.mode],
      latentScale: SD15_LATENT_SCALE,
    });
    const model = patches.reduce(withPatch, i.model);
    ctx.progress(stages, stages);
    return [model, positive.conditioning];
  },
});
