/**
 * @module
 * Every float tensor of an HF `CLIPTextModel` with its shape, under the key SD1.x single-file
 * checkpoints store it at (`cond_stage_model.transformer.text_model.*`, transformers >= 4.x names).
 */
import { addClipEncoderLayers } from './clip-layer-shapes';
import type { LdmClipTextShape } from './tiny-sd15-config';

/** Key prefix of the text encoder in SD1.x single-file checkpoints. */
export const LDM_CLIP_TEXT_PREFIX = 'cond_stage_model.transformer.text_model.';

/**
 * The text encoder's float tensors and shapes (the int64 `embeddings.position_ids` buffer is separate).
 * @example
 * ldmClipTextShapes(TINY_SD15_SHAPE.clip).size; // 4 + 16 per layer + 2
 */
export function ldmClipTextShapes(p: LdmClipTextShape): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  const h = p.hidden_size;
  const add = (key: string, shape: readonly number[]) => out.set(LDM_CLIP_TEXT_PREFIX + key, shape);
  add('embeddings.token_embedding.weight', [p.vocab_size, h]);
  add('embeddings.position_embedding.weight', [p.max_position_embeddings, h]);
  addClipEncoderLayers(add, { layers: p.num_hidden_layers, hidden: h, intermediate: p.intermediate_size });
  add('final_layer_norm.weight', [h]);
  add('final_layer_norm.bias', [h]);
  return out;
}
