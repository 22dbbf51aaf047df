import { describe, expect, it } from 'vitest';
import { llavaConfigFromJson } from './llava-config';

/** llava-hf's config.json of llava-1.5-7b-hf: text_config leaves the LLaMA-7B sizes to defaults. */
const LLAVA_HF_7B = {
  architectures: ['LlavaForConditionalGeneration'],
  model_type: 'llava',
  ignore_index: -100,
  image_token_index: 32000,
  projector_hidden_act: 'gelu',
  text_config: {
    architectures: ['LlamaForCausalLM'],
    max_position_embeddings: 4096,
    model_type: 'llama',
    rms_norm_eps: 1e-5,
    torch_dtype: 'float16',
    vocab_size: 32064,
  },
  vision_config: {
    hidden_size: 1024,
    image_size: 336,
    intermediate_size: 4096,
    model_type: 'clip_vision_model',
    num_attention_heads: 16,
    num_hidden_layers: 24,
    patch_size: 14,
    projection_dim: 768,
    vocab_size: 32000,
  },
  vision_feature_layer: -2,
  vision_feature_select_strategy: 'default',
};

describe(llavaConfigFromJson.name, () => {
  it("reads llava-hf's LLaVA-1.5-7B config with transformers' LLaMA defaults", () => {
    const c = llavaConfigFromJson(LLAVA_HF_7B, 'config.json');
    expect(c).toMatchObject({
      layout: 'llava-hf',
      projector: 'mlp2x_gelu',
      visionFeatureLayer: -2,
      visionSelect: 'patch',
      mmHiddenSize: 1024,
      llama: {
        hiddenSize: 4096,
        layers: 32,
        heads: 32,
        kvHeads: 32,
        headDim: 128,
        intermediateSize: 11008,
        vocabSize: 32064,
      },
      vision: {
        hiddenSize: 1024,
        layers: 24,
        heads: 16,
        imageSize: 336,
        patchSize: 14,
        hiddenAct: 'quick_gelu',
      },
    });
  });

  it.each([
    ['vision_feature_select_strategy', { vision_feature_select_strategy: 'spatial' }],
    ['projector_hidden_act', { projector_hidden_act: 'relu' }],
    [
      'rope_scaling',
      { text_config: { ...LLAVA_HF_7B.text_config, rope_scaling: { type: 'dynamic', factor: 2 } } },
    ],
  ])('refuses an unsupported %s in the llava-hf layout', (field, change) => {
    expect(() => llavaConfigFromJson({ ...LLAVA_HF_7B, ...change }, 'config.json')).toThrowError(
      expect.objectContaining({ code: 'unsupported_model_config', message: expect.stringContaining(field) }),
    );
  });

  it('names the field of a malformed config', () => {
    expect(() => llavaConfigFromJson({ hidden_size: 'big' }, 'config.json')).toThrowError(
      expect.objectContaining({
        code: 'invalid_model_config',
        message: expect.stringContaining('hidden_size'),
      }),
    );
  });
});
