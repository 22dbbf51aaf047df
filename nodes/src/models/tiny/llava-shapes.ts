/**
 * @module
 * Key -> shape tables of the files a MoMA setup reads, in their real layouts: a LLaVA-1.5 checkpoint
 * (LLaVA's own names, as MoMA_llava_7b), a CLIP vision tower (`CLIPVisionModel`), and MoMA's
 * adapter file (one `self_cross_attentions` entry per UNet attention processor). The tiny default
 * models and the full-size benchmarks are written from them, and their `config.json` files too.
 */
import { CLIP_VISUAL_PROJECTION_KEY, type ClipVisionConfig } from '../clip-vision';
import type { LlamaConfig } from '../llama';
import type { AttentionHookPoint } from '../unet';
import { addClipEncoderLayers } from './clip-layer-shapes';

type Shapes = Map<string, readonly number[]>;

/**
 * A LLaVA checkpoint's tensors (no vision tower, no lm_head: MoMA reads hidden states only).
 * @example
 * llavaKeyShapes(config, 1024).get('model.mm_projector.0.weight'); // [4096, 1024]
 */
export function llavaKeyShapes(c: LlamaConfig, visionWidth: number): Shapes {
  const out: Shapes = new Map();
  const h = c.hiddenSize;
  out.set('model.embed_tokens.weight', [c.vocabSize, h]);
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}`;
    out.set(`${p}.self_attn.q_proj.weight`, [c.heads * c.headDim, h]);
    out.set(`${p}.self_attn.k_proj.weight`, [c.kvHeads * c.headDim, h]);
    out.set(`${p}.self_attn.v_proj.weight`, [c.kvHeads * c.headDim, h]);
    out.set(`${p}.self_attn.o_proj.weight`, [h, c.heads * c.headDim]);
    out.set(`${p}.mlp.gate_proj.weight`, [c.intermediateSize, h]);
    out.set(`${p}.mlp.up_proj.weight`, [c.intermediateSize, h]);
    out.set(`${p}.mlp.down_proj.weight`, [h, c.intermediateSize]);
    out.set(`${p}.input_layernorm.weight`, [h]);
    out.set(`${p}.post_attention_layernorm.weight`, [h]);
  }
  out.set('model.norm.weight', [h]);
  out.set('model.mm_projector.0.weight', [h, visionWidth]);
  out.set('model.mm_projector.0.bias', [h]);
  out.set('model.mm_projector.2.weight', [h, h]);
  out.set('model.mm_projector.2.bias', [h]);
  return out;
}

/**
 * LLaVA's own `config.json` for a LLaMA of `c` with an mlp2x_gelu projector from `visionWidth`.
 * @example
 * JSON.stringify(llavaConfigJson(config, { visionWidth: 1024, visionTower: 'openai/clip-vit-large-patch14-336' }));
 */
export function llavaConfigJson(
  c: LlamaConfig,
  o: { readonly visionWidth: number; readonly visionTower: string },
): Record<string, unknown> {
  return {
    architectures: ['LlavaLlamaForCausalLM'],
    model_type: 'llava',
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    num_key_value_heads: c.kvHeads,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    vocab_size: c.vocabSize,
    max_position_embeddings: 4096,
    bos_token_id: 1,
    eos_token_id: 2,
    torch_dtype: 'float16',
    mm_projector_type: 'mlp2x_gelu',
    mm_vision_select_layer: -2,
    mm_vision_select_feature: 'patch',
    mm_hidden_size: o.visionWidth,
    mm_vision_tower: o.visionTower,
    image_aspect_ratio: 'pad',
  };
}

/**
 * A `CLIPVisionModel`'s tensors (`vision_model.*`), with a `projectionDim` those of a
 * `CLIPVisionModelWithProjection` (plus `visual_projection.weight`).
 * @example
 * clipVisionKeyShapes(CLIP_VIT_L14_336).get('vision_model.embeddings.position_embedding.weight'); // [577, 1024]
 */
export function clipVisionKeyShapes(c: ClipVisionConfig, projectionDim?: number): Shapes {
  const out: Shapes = new Map();
  const h = c.hiddenSize;
  const add = (key: string, shape: readonly number[]) => out.set(`vision_model.${key}`, shape);
  add('embeddings.class_embedding', [h]);
  add('embeddings.patch_embedding.weight', [h, c.numChannels, c.patchSize, c.patchSize]);
  add('embeddings.position_embedding.weight', [(c.imageSize / c.patchSize) ** 2 + 1, h]);
  add('pre_layrnorm.weight', [h]);
  add('pre_layrnorm.bias', [h]);
  addClipEncoderLayers(add, { layers: c.layers, hidden: h, intermediate: c.intermediateSize });
  add('post_layernorm.weight', [h]);
  add('post_layernorm.bias', [h]);
  if (projectionDim !== undefined) out.set(CLIP_VISUAL_PROJECTION_KEY, [projectionDim, h]);
  return out;
}

/**
 * transformers' `config.json` of a `CLIPVisionModel`, or with a `projectionDim` of a
 * `CLIPVisionModelWithProjection`.
 * @example
 * JSON.stringify(clipVisionConfigJson(CLIP_VIT_L14_336));
 */
export function clipVisionConfigJson(c: ClipVisionConfig, projectionDim?: number): Record<string, unknown> {
  return {
    architectures: [projectionDim === undefined ? 'CLIPVisionModel' : 'CLIPVisionModelWithProjection'],
    ...(projectionDim === undefined ? {} : { projection_dim: projectionDim }),
    model_type: 'clip_vision_model',
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_attention_heads: c.heads,
    num_hidden_layers: c.layers,
    image_size: c.imageSize,
    patch_size: c.patchSize,
    num_channels: c.numChannels,
    hidden_act: c.hiddenAct,
    layer_norm_eps: c.layerNormEps,
  };
}

/** Sizes of MoMA's adapter file. */
export interface MomaAdapterShape {
  /** The LLaVA hidden size the mapping reads. */
  readonly llmHidden: number;
  /** The mapping MLP's width (1024 in MoMA). */
  readonly embedding: number;
  /** Image-prompt tokens (4 in MoMA). */
  readonly tokens: number;
  /** The UNet's cross-attention width (768 for SD1.5). */
  readonly tokenDim: number;
  /** The UNet's attention layers in `attn_processors` order. */
  readonly attention: readonly Pick<AttentionHookPoint, 'kind' | 'channels' | 'contextChannels'>[];
}

/**
 * MoMA's `attn_adapters_projectors.th` as sections of key -> shape.
 * @example
 * momaAdapterKeyShapes(shape).projectors.get('proj.weight'); // [4 * 768, 1024]
 */
export function momaAdapterKeyShapes(
  s: MomaAdapterShape,
): Record<'projectors' | 'self_cross_attentions' | 'llm_mapping', Shapes> {
  const attention: Shapes = new Map();
  s.attention.forEach((p, i) => {
    // IPAttnProcessor_Self projects the layer's own features; IPAttnProcessor the image tokens.
    const input = p.kind === 'self' ? p.channels : p.contextChannels;
    attention.set(`${i}.to_k_ip.weight`, [p.channels, input]);
    attention.set(`${i}.to_v_ip.weight`, [p.channels, input]);
    if (p.kind === 'self') attention.set(`${i}.scale_learnable`, [1]);
  });
  return {
    projectors: new Map([
      ['proj.weight', [s.tokens * s.tokenDim, s.embedding]],
      ['proj.bias', [s.tokens * s.tokenDim]],
      ['norm.weight', [s.tokenDim]],
      ['norm.bias', [s.tokenDim]],
    ]),
    self_cross_attentions: attention,
    llm_mapping: new Map([
      ['mapping.gate_proj.weight', [s.embedding, s.llmHidden]],
      ['mapping.up_proj.weight', [s.embedding, s.llmHidden]],
      ['mapping.down_proj.weight', [s.embedding, s.embedding]],
    ]),
  };
}
