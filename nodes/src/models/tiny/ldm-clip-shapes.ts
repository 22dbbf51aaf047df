/**
 * @module
 * Every float tensor of an HF `CLIPTextModel` with its shape, under the key SD1.x single-file
 * checkpoints store it at (`cond_stage_model.transformer.text_model.*`, transformers >= 4.x names).
 */
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
  for (let i = 0; i < p.num_hidden_layers; i++) {
    const layer = `encoder.layers.${i}`;
    for (const proj of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) {
      add(`${layer}.self_attn.${proj}.weight`, [h, h]);
      add(`${layer}.self_attn.${proj}.bias`, [h]);
    }
    add(`${layer}.mlp.fc1.weight`, [p.intermediate_size, h]);
    add(`${layer}.mlp.fc1.bias`, [p.intermediate_size]);
    add(`${layer}.mlp.fc2.weight`, [h, p.intermediate_size]);
    add(`${layer}.mlp.fc2.bias`, [h]);
    for (const n of ['layer_norm1', 'layer_norm2']) {
      add(`${layer}.${n}.weight`, [h]);
      add(`${layer}.${n}.bias`, [h]);
    }
  }
  add('final_layer_norm.weight', [h]);
  add('final_layer_norm.bias', [h]);
  return out;
}
