import { describe, expect, it } from 'vitest';
import { clipTextSelector, convertClipTextKey } from './clip-text-keys';

describe(convertClipTextKey.name, () => {
  it.each([
    ['text_model.embeddings.token_embedding.weight', 'text_model.embeddings.token_embedding.weight'],
    [
      'cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc2.bias',
      'text_model.encoder.layers.11.mlp.fc2.bias',
    ],
    ['cond_stage_model.transformer.text_model.final_layer_norm.weight', 'text_model.final_layer_norm.weight'],
    // transformers 3.x checkpoints had no `text_model.` level.
    [
      'cond_stage_model.transformer.encoder.layers.0.self_attn.q_proj.weight',
      'text_model.encoder.layers.0.self_attn.q_proj.weight',
    ],
    [
      'cond_stage_model.transformer.embeddings.position_embedding.weight',
      'text_model.embeddings.position_embedding.weight',
    ],
    [
      'state_dict.cond_stage_model.transformer.text_model.final_layer_norm.bias',
      'text_model.final_layer_norm.bias',
    ],
  ])('%s -> %s', (stored, key) => {
    expect(convertClipTextKey(stored)).toBe(key);
    expect(clipTextSelector(stored)).toEqual({ key });
  });

  it.each([
    'first_stage_model.encoder.conv_in.weight',
    'model.diffusion_model.input_blocks.0.0.weight',
    'vision_model.embeddings.patch_embedding.weight',
    'text_projection.weight',
  ])('ignores %s', (stored) => {
    expect(convertClipTextKey(stored)).toBeUndefined();
    expect(clipTextSelector(stored)).toBeUndefined();
  });
});
