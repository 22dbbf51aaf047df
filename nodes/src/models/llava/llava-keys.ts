/**
 * @module
 * Key layouts of LLaVA checkpoints, mapped to one canonical layout (LLaVA's own names) so the graph
 * builders read `model.layers.0.self_attn.q_proj.weight` and `model.mm_projector.0.weight` whatever
 * the file: llava-hf stores `language_model.model.*` (or `model.language_model.*` since transformers
 * 4.52) and `multi_modal_projector.linear_{1,2}`. Vision tower keys are `clipVisionSelector`'s.
 */
import { clipVisionKey } from '../clip-vision';
import type { WeightSelector } from '../ldm-config';
import type { LlavaLayout } from './llava-config';

const HF_LANGUAGE = /^(?:language_model\.model|model\.language_model)\.(.+)$/;
const HF_PROJECTOR = /^(?:model\.)?multi_modal_projector\.linear_([12])\.(weight|bias)$/;

/** Canonical key of a language-model or projector tensor, per layout. */
const LANGUAGE_KEYS = {
  llava: (key) => (key.startsWith('model.') && clipVisionKey(key) === undefined ? key : undefined),
  'llava-hf': (key) => {
    const language = HF_LANGUAGE.exec(key);
    if (language) return `model.${language[1]}`;
    const projector = HF_PROJECTOR.exec(key);
    if (projector) return `model.mm_projector.${projector[1] === '1' ? 0 : 2}.${projector[2]}`;
    return undefined;
  },
} as const satisfies Record<LlavaLayout, (key: string) => string | undefined>;

/**
 * Selects the language model and projector tensors of `layout` whose canonical key passes `accept`
 * (a layer, the embeddings...), under their canonical keys.
 * @example
 * const layer = await WeightMap.load(reader, languageSelector('llava-hf', (k) => k.startsWith('model.layers.3.')));
 */
export function languageSelector(
  layout: LlavaLayout,
  accept: (canonical: string) => boolean,
): WeightSelector {
  return (stored) => {
    const key = LANGUAGE_KEYS[layout](stored);
    return key !== undefined && accept(key) ? { key } : undefined;
  };
}

/** Whether a checkpoint holds vision tower weights (llava-hf always does, LLaVA's own rarely). */
export function hasVisionTower(keys: readonly string[]): boolean {
  return keys.some((k) => clipVisionKey(k) === 'vision_model.embeddings.patch_embedding.weight');
}
