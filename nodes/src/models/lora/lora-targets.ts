/**
 * @module
 * Which weight a LoRA module name patches, for every naming people's files use (ComfyUI's
 * `model_lora_keys_unet` / `model_lora_keys_clip` accept the same):
 * - kohya / A1111 / LyCORIS: `lora_unet_<module, dots as '_'>` after diffusers' module names
 *   (sd-scripts trains on a diffusers UNet) or the original LDM ones (`lora_unet_input_blocks_4_1_proj_in`),
 *   `lycoris_<...>` (SimpleTuner), and `lora_te_` / `lora_te1_` + the HF text-encoder module;
 * - diffusers / PEFT: `unet.<module>` or the bare module, `base_model.model.<module>`, the attention
 *   processors' old form (`...attn1.processor.to_q`, `...processor.to_out`), and `text_encoder.<module>`
 *   (also `self_attn.to_q` for `q_proj`).
 * The table is made from the model's own weight list, so only modules that exist are matched, each with
 * the shape its delta must have.
 */
import type { ClipTextConfig } from '../clip-text';
import { LDM_CLIP_TEXT_PREFIX, ldmClipTextShapes } from '../tiny/ldm-clip-shapes';
import { ldmUnetShapes } from '../tiny/ldm-unet-shapes';
import type { LdmUnetShape } from '../tiny/tiny-sd15-config';
import { convertLdmUnetKeys, LDM_UNET_PREFIX, type UnetLayout, unetWeightShapes } from '../unet';

/** The model component a LoRA module patches. */
export type LoraComponent = 'unet' | 'clip';

/** The weight a module name patches. */
export interface LoraTarget {
  readonly component: LoraComponent;
  /** The canonical weight key (`down_blocks.0.attentions.0.proj_in.weight`, `text_model....q_proj.weight`). */
  readonly key: string;
  /** Its shape: [out, in] (linear) or [out, in, kh, kw] (conv). */
  readonly shape: readonly number[];
}

const underscored = (module: string) => module.replaceAll('.', '_');
const WEIGHT = '.weight';

/** LDM `UNetModel` arguments for an SD1.x layout, to list the LDM names of its modules. */
function ldmShapeOf(layout: UnetLayout): LdmUnetShape {
  const c = layout.config;
  const c0 = c.blockOutChannels[0] ?? 1;
  const attended = c.downBlockTypes.flatMap((t, i) => (t === 'CrossAttnDownBlock2D' ? [i] : []));
  return {
    image_size: c.sampleSize ?? 64,
    in_channels: c.inChannels,
    out_channels: c.outChannels,
    model_channels: c0,
    attention_resolutions: attended.map((i) => 2 ** i),
    num_res_blocks: c.layersPerBlock,
    channel_mult: c.blockOutChannels.map((ch) => ch / c0),
    num_heads: c.attentionHeads[0] ?? 8,
    use_spatial_transformer: true,
    transformer_depth: c.transformerLayersPerBlock[attended[0] ?? 0] ?? 1,
    context_dim: c.crossAttentionDim,
    legacy: false,
  };
}

/**
 * diffusers module -> LDM module (`down_blocks.1.attentions.0.proj_in` -> `input_blocks.4.1.proj_in`),
 * for every weight of the layout.
 * @example
 * unetLdmModules(model.layout).get('conv_in'); // 'input_blocks.0.0'
 */
export function unetLdmModules(layout: UnetLayout): Map<string, string> {
  const ldmKeys = [...ldmUnetShapes(ldmShapeOf(layout)).keys()].map((k) => k.slice(LDM_UNET_PREFIX.length));
  const { mapping } = convertLdmUnetKeys(ldmKeys, layout.config.layersPerBlock);
  const out = new Map<string, string>();
  for (const [ldm, diffusers] of mapping) {
    if (ldm.endsWith(WEIGHT)) out.set(diffusers.slice(0, -WEIGHT.length), ldm.slice(0, -WEIGHT.length));
  }
  return out;
}

/** The names a UNet module goes by in LoRA files. */
function unetAliases(module: string, ldm: string | undefined): string[] {
  const names = [
    `lora_unet_${underscored(module)}`,
    `lycoris_${underscored(module)}`,
    module,
    `unet.${module}`,
    `base_model.model.${module}`,
  ];
  if (ldm !== undefined) names.push(`lora_unet_${underscored(ldm)}`);
  // diffusers' attention processors named the projections `processor.to_q` ... `processor.to_out`.
  const processor = module
    .replace(/\.(to_[qkv])$/, '.processor.$1')
    .replace(/\.to_out\.0$/, '.processor.to_out');
  if (processor !== module) names.push(processor, `unet.${processor}`);
  return names;
}

/** The names a text-encoder module goes by in LoRA files. */
function clipAliases(module: string): string[] {
  const names = [
    `lora_te_${underscored(module)}`,
    `lora_te1_${underscored(module)}`,
    `text_encoder.${module}`,
  ];
  const processor = module
    .replace(/\.self_attn\.([qkv])_proj$/, '.self_attn.to_$1')
    .replace(/\.self_attn\.out_proj$/, '.self_attn.to_out');
  if (processor !== module) names.push(`text_encoder.${processor}`);
  return names;
}

/**
 * The text encoder's weights by HF key (`text_model.encoder.layers.0.mlp.fc1.weight`) with their shapes.
 * @example
 * clipTextShapes(clip.config).get('text_model.final_layer_norm.weight'); // [768]
 */
export function clipTextShapes(config: ClipTextConfig): Map<string, readonly number[]> {
  const ldm = ldmClipTextShapes({
    hidden_size: config.hiddenSize,
    num_attention_heads: config.heads,
    num_hidden_layers: config.layers,
    intermediate_size: config.intermediateSize,
    max_position_embeddings: config.maxPositions,
    vocab_size: config.vocabSize,
    hidden_act: 'quick_gelu',
  });
  const hfPrefix = LDM_CLIP_TEXT_PREFIX.slice(0, -'text_model.'.length);
  return new Map([...ldm].map(([key, shape]) => [key.slice(hfPrefix.length), shape]));
}

/** What a LoRA may patch: the MODEL's layout and, unless model-only, the CLIP's config. */
export interface LoraTargetModels {
  readonly unet?: UnetLayout;
  readonly clip?: ClipTextConfig;
}

/**
 * Every LoRA module name that patches a linear or conv weight of the given models.
 * @example
 * const targets = loraTargets({ unet: model.layout, clip: clip.config });
 * targets.get('lora_unet_down_blocks_0_attentions_0_proj_in')?.key; // 'down_blocks.0.attentions.0.proj_in.weight'
 */
export function loraTargets(models: LoraTargetModels): ReadonlyMap<string, LoraTarget> {
  const table = new Map<string, LoraTarget>();
  if (models.unet !== undefined) {
    const ldm = unetLdmModules(models.unet);
    for (const [key, shape] of unetWeightShapes(models.unet)) {
      if (!key.endsWith(WEIGHT) || shape.length < 2) continue;
      const module = key.slice(0, -WEIGHT.length);
      const target = { component: 'unet', key, shape } as const;
      for (const name of unetAliases(module, ldm.get(module))) table.set(name, target);
    }
  }
  if (models.clip !== undefined) {
    for (const [key, shape] of clipTextShapes(models.clip)) {
      if (!key.endsWith(WEIGHT) || shape.length < 2 || key.includes('embeddings.')) continue;
      const target = { component: 'clip', key, shape } as const;
      for (const name of clipAliases(key.slice(0, -WEIGHT.length))) table.set(name, target);
    }
  }
  return table;
}
