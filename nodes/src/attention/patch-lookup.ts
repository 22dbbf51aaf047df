/**
 * @module
 * How injection nodes find their place on a MODEL: a patch id not taken yet (so the same node can be
 * applied twice on purpose, e.g. two image prompts), and the patch whose generated mask an injection
 * follows.
 */
import { EngineError } from '@momaflow/engine';
import type { ModelPatch, UnetModel } from '../models/unet';
import type { GeneratedMaskSource } from './injection-mask';

/**
 * `base`, or `base-2`, `base-3`, ... when the model already has it.
 * @example
 * uniquePatchId(model, 'image-prompt'); // 'image-prompt-2' on a model with one image prompt
 */
export function uniquePatchId(model: UnetModel, base: string): string {
  const taken = new Set(model.patches.map((p) => p.id));
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

const isMaskSource = (p: ModelPatch): p is ModelPatch & GeneratedMaskSource =>
  typeof (p as Partial<GeneratedMaskSource>).maskAfter === 'function';

/**
 * The model's last patch that generates a mask (AttentionMapMask, MoMAApply).
 * @throws EngineError `no_mask_source` naming `label` when it has none.
 * @example
 * const source = generatedMaskSource(model, "ImagePromptAttention input 'mask_source'");
 */
export function generatedMaskSource(model: UnetModel, label: string): GeneratedMaskSource {
  const source = model.patches.filter(isMaskSource).at(-1);
  if (source === undefined) {
    throw new EngineError(
      'no_mask_source',
      `${label}: 'generated' needs a model that makes a subject mask; apply Attention Map Mask to it first`,
    );
  }
  return source;
}
