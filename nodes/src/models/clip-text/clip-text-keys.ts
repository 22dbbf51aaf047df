/**
 * @module
 * Key layouts of CLIP text encoder weights, mapped to HF `CLIPTextModel` names (`text_model.*`):
 * single-file SD1.x checkpoints keep the HF model under `cond_stage_model.transformer.`, with
 * `text_model.` since transformers 4.x and without it in older files (`...transformer.encoder.*`);
 * `.ckpt` files add a `state_dict.` level in front.
 */
import type { WeightSelector } from '../ldm-config';
import { ldmKey } from '../ldm-config';

/**
 * Prefix of the HF model inside SD1.x single files.
 * @example
 * reader.keys().some((k) => k.startsWith(LDM_CLIP_PREFIX));
 */
export const LDM_CLIP_PREFIX = 'cond_stage_model.transformer.';

const HF_PREFIX = 'text_model.';

/**
 * The HF key of a stored text-encoder key, or `undefined` for other components.
 * @example
 * convertClipTextKey('cond_stage_model.transformer.text_model.final_layer_norm.weight'); // 'text_model.final_layer_norm.weight'
 * convertClipTextKey('cond_stage_model.transformer.encoder.layers.0.mlp.fc1.bias'); // 'text_model.encoder.layers.0.mlp.fc1.bias'
 */
export function convertClipTextKey(stored: string): string | undefined {
  if (stored.startsWith(HF_PREFIX)) return stored;
  const key = ldmKey(stored);
  if (!key.startsWith(LDM_CLIP_PREFIX)) return undefined;
  const rest = key.slice(LDM_CLIP_PREFIX.length);
  return rest.startsWith(HF_PREFIX) ? rest : `${HF_PREFIX}${rest}`;
}

/**
 * Selects the text encoder from a single-file checkpoint, a standalone CLIP file or a transformers
 * `model.safetensors`.
 * @example
 * const weights = await WeightMap.load(reader, clipTextSelector);
 */
export const clipTextSelector: WeightSelector = (stored) => {
  const key = convertClipTextKey(stored);
  return key === undefined ? undefined : { key };
};
