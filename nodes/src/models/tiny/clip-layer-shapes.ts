/**
 * @module
 * The tensors of HF `CLIPEncoderLayer`s (text and vision towers share them), for shape tables.
 */

/** Adds `encoder.layers.{i}.*` of `layers` layers through `add(key, shape)`. */
export function addClipEncoderLayers(
  add: (key: string, shape: readonly number[]) => void,
  o: { readonly layers: number; readonly hidden: number; readonly intermediate: number },
): void {
  const h = o.hidden;
  for (let i = 0; i < o.layers; i++) {
    const layer = `encoder.layers.${i}`;
    for (const proj of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) {
      add(`${layer}.self_attn.${proj}.weight`, [h, h]);
      add(`${layer}.self_attn.${proj}.bias`, [h]);
    }
    add(`${layer}.mlp.fc1.weight`, [o.intermediate, h]);
    add(`${layer}.mlp.fc1.bias`, [o.intermediate]);
    add(`${layer}.mlp.fc2.weight`, [h, o.intermediate]);
    add(`${layer}.mlp.fc2.bias`, [h]);
    for (const n of ['layer_norm1', 'layer_norm2']) {
      add(`${layer}.${n}.weight`, [h]);
      add(`${layer}.${n}.bias`, [h]);
    }
  }
}
