/**
 * @module
 * MoMA's UNet side (bytedance/MoMA `model_lib/attention_processor.py`, `moMA_generator.py`) composed
 * from the generic injection patches, in this order at each layer:
 * 1. `moma-map` (every cross-attention layer): the subject words' attention maps, which give the
 *    generated-subject mask of the previous step (none at the first step);
 * 2. `moma-ip` (every cross-attention layer): the MLLM's image-prompt tokens through `to_k_ip` /
 *    `to_v_ip`, scale 1, times that mask;
 * 3. `moma-ref` (every self-attention layer): the reference image's K/V, captured by a UNet pass at
 *    t = 0 on its latent (VAE posterior mean x 0.18215, noised at t = 0) with the subject word as
 *    context, through `to_k_ip` / `to_v_ip`, restricted to the reference subject mask, times
 *    `strength * scale_learnable` and the generated mask; off while t >= 950.
 * The official cross processor always treats the last 4 context tokens as image-prompt tokens; in
 * the reference pass, whose context is the subject word's 77 text tokens, the text attention thus
 * sees only the first 73. The reference context here is cut the same way (the fixtures reproduce it).
 */
import type { Tensor } from '@momaflow/engine';
import { EngineError, Tensor as TensorClass, tensorsDigest } from '@momaflow/engine';
import {
  type AttentionMapPatch,
  attentionMapPatch,
  type DecoupledWeights,
  fittedEntries,
  imagePromptPatch,
  referenceAttentionPatch,
  referenceSample,
  WHOLE_SCHEDULE,
} from '../attention';
import type { ImagePrompt } from '../diffusion/diffusion-types';
import type { AttentionHookPoint, ModelPatch, ReferencePassRequest } from '../models/unet';

/** MoMA's fixed choices, as its official code makes them. */
export const MOMA_SETTINGS = {
  /** Self-attention injection is off while t >= this (`t_range = range(0, 950)`). */
  selfOffAt: 950,
  /** Generated-mask threshold (`get_mask_from_cross`). */
  maskThreshold: 0.2,
  /** Image-prompt attention scale (`IPAttnProcessor.scale`). */
  imagePromptScale: 1,
  /** Image-prompt tokens the processors assume (`num_tokens`), when no image prompt is given. */
  imagePromptTokens: 4,
  /** The reference pass's timestep. */
  referenceTimestep: 0,
  /** `generate_with_adapters`: diffusers DDIM, 50 steps, CFG 7.5. */
  steps: 50,
  cfg: 7.5,
} as const;

/** The self-path strength of MoMA's two modes (its README: 1.0 for new contexts, 0.4 for new textures). */
export const MOMA_MODES = { context: 1, texture: 0.4 } as const satisfies Record<string, number>;
export type MomaMode = keyof typeof MOMA_MODES;

/** The patch ids MoMA uses; a MODEL holding them is already MoMA-patched. */
export const MOMA_PATCH_IDS = { map: 'moma-map', imagePrompt: 'moma-ip', reference: 'moma-ref' } as const;

/** Options of `momaPatches`. */
export interface MomaPatchOptions {
  /** The model's hook points (`UnetModel.hookPoints`). */
  readonly points: readonly AttentionHookPoint[];
  /** The adapter file's `self_cross_attentions` section (`decoupledWeights`). */
  readonly weights: DecoupledWeights;
  /** The adapter file, for messages. */
  readonly source: string;
  /** The MLLM's image-prompt tokens; without them MoMA runs its self-attention path alone. */
  readonly imagePrompt: ImagePrompt | undefined;
  /** [1, 4, h, w] VAE-space latent of the reference image (posterior mean, unscaled). */
  readonly referenceLatent: Tensor<'float32'>;
  /** Unit noise shaped like `referenceLatent`, added at t = 0. */
  readonly referenceNoise: Tensor<'float32'>;
  /** [1, tokens, dim]: the subject word through the text encoder. */
  readonly subjectContext: Tensor<'float32'>;
  /** Where the subject is in the reference image (MASK, any size); the whole image when absent. */
  readonly referenceMask?: Tensor<'float32'>;
  /** Vocabulary ids of the subject's words (first token of each). */
  readonly subjectTokenIds: readonly number[];
  /** Self-path strength (`MOMA_MODES`). */
  readonly strength: number;
  /** SD1.x latent scale. */
  readonly latentScale: number;
  /** Default `MOMA_SETTINGS.selfOffAt`. */
  readonly selfOffAt?: number;
  /** Default `MOMA_SETTINGS.maskThreshold`. */
  readonly maskThreshold?: number;
}

/** The subject context without its last `dropped` tokens (the official processor's quirk). */
function referenceContext(context: Tensor<'float32'>, dropped: number): Tensor<'float32'> {
  const [, tokens = 0, dim = 0] = context.shape;
  const kept = tokens - dropped;
  if (kept < 1) {
    throw new EngineError(
      'invalid_input',
      `the subject context has ${tokens} tokens; MoMA drops the last ${dropped}`,
    );
  }
  return new TensorClass('float32', [1, kept, dim], context.data.slice(0, kept * dim));
}

/**
 * MoMA's three patches, in application order, and the one that makes the generated mask.
 * @throws EngineError `adapter_mismatch` when the adapter does not fit the model's layers.
 * @example
 * const { patches } = momaPatches({ points: model.hookPoints, weights, source, imagePrompt, ... });
 * const patched = patches.reduce(withPatch, model);
 */
export function momaPatches(o: MomaPatchOptions): {
  readonly map: AttentionMapPatch;
  readonly patches: ModelPatch[];
} {
  const cross = fittedEntries(o.weights, o.points, 'cross', { source: o.source, needsScale: false });
  const self = fittedEntries(o.weights, o.points, 'self', { source: o.source, needsScale: true });
  const imageTokens = o.imagePrompt?.cond.shape[1] ?? MOMA_SETTINGS.imagePromptTokens;
  const sample = referenceSample({
    latent: o.referenceLatent,
    noise: o.referenceNoise,
    timestep: MOMA_SETTINGS.referenceTimestep,
    latentScale: o.latentScale,
  });
  const context = referenceContext(o.subjectContext, imageTokens);
  const reference: ReferencePassRequest = {
    sample,
    timestep: MOMA_SETTINGS.referenceTimestep,
    context,
    key: tensorsDigest([
      ['sample', sample],
      ['context', context],
    ]),
  };
  const map = attentionMapPatch({
    id: MOMA_PATCH_IDS.map,
    points: o.points,
    layers: 'all',
    subjectTokenIds: o.subjectTokenIds,
    threshold: o.maskThreshold ?? MOMA_SETTINGS.maskThreshold,
  });
  const generated = { kind: 'generated', source: map } as const;
  const imagePrompt =
    o.imagePrompt === undefined
      ? []
      : [
          imagePromptPatch({
            id: MOMA_PATCH_IDS.imagePrompt,
            entries: cross,
            tokens: o.imagePrompt,
            scale: MOMA_SETTINGS.imagePromptScale,
            mask: generated,
            range: WHOLE_SCHEDULE,
          }),
        ];
  const referencePatch = referenceAttentionPatch({
    id: MOMA_PATCH_IDS.reference,
    points: o.points.filter((p) => self.has(p.order)),
    adapter: self,
    reference,
    ...(o.referenceMask === undefined ? {} : { referenceMask: o.referenceMask }),
    strength: o.strength,
    mask: generated,
    range: { first: (o.selfOffAt ?? MOMA_SETTINGS.selfOffAt) - 1, last: Number.NEGATIVE_INFINITY },
  });
  return { map, patches: [map, ...imagePrompt, referencePatch] };
}
