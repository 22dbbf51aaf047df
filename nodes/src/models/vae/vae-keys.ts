/**
 * @module
 * Key layouts of VAE weights, all mapped to diffusers `AutoencoderKL` names: the LDM single-file
 * layout (`first_stage_model.encoder.down.{i}.block.{j}...`) as diffusers' `convert_ldm_vae_checkpoint`
 * converts it (src/diffusers/loaders/single_file_utils.py), and the pre-0.14 diffusers attention names
 * (`query`/`key`/`value`/`proj_attn`) that older VAE uploads still carry.
 */
import type { WeightMapping, WeightSelector } from '../ldm-config';
import { ldmKey } from '../ldm-config';

/**
 * Key prefix of the VAE inside SD1.x single-file checkpoints.
 * @example
 * reader.keys().filter((k) => k.startsWith(LDM_VAE_PREFIX));
 */
export const LDM_VAE_PREFIX = 'first_stage_model.';

interface Rule {
  readonly pattern: RegExp;
  readonly rewrite: (m: RegExpMatchArray, levels: number) => string | undefined;
}

/** LDM `ResnetBlock` parameter -> diffusers `ResnetBlock2D` parameter. */
const RESNET_PARAMS: Readonly<Record<string, string>> = {
  norm1: 'norm1',
  conv1: 'conv1',
  norm2: 'norm2',
  conv2: 'conv2',
  nin_shortcut: 'conv_shortcut',
};

/** LDM `AttnBlock` parameter -> diffusers `Attention` parameter. */
const ATTENTION_PARAMS: Readonly<Record<string, string>> = {
  norm: 'group_norm',
  q: 'to_q',
  k: 'to_k',
  v: 'to_v',
  proj_out: 'to_out.0',
};

function resnetParam(name: string | undefined, tensor: string | undefined): string | undefined {
  const mapped = name === undefined ? undefined : RESNET_PARAMS[name];
  return mapped === undefined ? undefined : `${mapped}.${tensor}`;
}

/**
 * LDM keys (prefix removed) -> diffusers keys. `levels` is the number of resolution levels; LDM numbers
 * decoder levels from the lowest resolution up (`up.{levels-1}` runs first), diffusers in run order.
 */
const LDM_RULES: readonly Rule[] = [
  { pattern: /^(encoder|decoder)\.(conv_in|conv_out)\.(weight|bias)$/, rewrite: (m) => m[0] },
  { pattern: /^(quant_conv|post_quant_conv)\.(weight|bias)$/, rewrite: (m) => m[0] },
  {
    pattern: /^(encoder|decoder)\.norm_out\.(weight|bias)$/,
    rewrite: (m) => `${m[1]}.conv_norm_out.${m[2]}`,
  },
  {
    pattern: /^encoder\.down\.(\d+)\.block\.(\d+)\.(\w+)\.(weight|bias)$/,
    rewrite: (m) => {
      const p = resnetParam(m[3], m[4]);
      return p === undefined ? undefined : `encoder.down_blocks.${m[1]}.resnets.${m[2]}.${p}`;
    },
  },
  {
    pattern: /^encoder\.down\.(\d+)\.downsample\.conv\.(weight|bias)$/,
    rewrite: (m) => `encoder.down_blocks.${m[1]}.downsamplers.0.conv.${m[2]}`,
  },
  {
    pattern: /^decoder\.up\.(\d+)\.block\.(\d+)\.(\w+)\.(weight|bias)$/,
    rewrite: (m, levels) => {
      const p = resnetParam(m[3], m[4]);
      const level = levels - 1 - Number(m[1]);
      return p === undefined || level < 0 ? undefined : `decoder.up_blocks.${level}.resnets.${m[2]}.${p}`;
    },
  },
  {
    pattern: /^decoder\.up\.(\d+)\.upsample\.conv\.(weight|bias)$/,
    rewrite: (m, levels) => {
      const level = levels - 1 - Number(m[1]);
      return level < 0 ? undefined : `decoder.up_blocks.${level}.upsamplers.0.conv.${m[2]}`;
    },
  },
  {
    pattern: /^(encoder|decoder)\.mid\.block_([12])\.(\w+)\.(weight|bias)$/,
    rewrite: (m) => {
      const p = resnetParam(m[3], m[4]);
      return p === undefined ? undefined : `${m[1]}.mid_block.resnets.${Number(m[2]) - 1}.${p}`;
    },
  },
  {
    pattern: /^(encoder|decoder)\.mid\.attn_1\.(\w+)\.(weight|bias)$/,
    rewrite: (m) => {
      const p = m[2] === undefined ? undefined : ATTENTION_PARAMS[m[2]];
      return p === undefined ? undefined : `${m[1]}.mid_block.attentions.0.${p}.${m[3]}`;
    },
  },
];

/** Old diffusers `AttentionBlock` names -> current `Attention` names (diffusers `_convert_deprecated_attention_blocks`). */
const DEPRECATED_ATTENTION =
  /^(encoder|decoder)\.mid_block\.attentions\.0\.(query|key|value|proj_attn)\.(weight|bias)$/;
const DEPRECATED_NAMES: Readonly<Record<string, string>> = {
  query: 'to_q',
  key: 'to_k',
  value: 'to_v',
  proj_attn: 'to_out.0',
};

/**
 * [C, C, 1, 1] (LDM's 1x1 conv, or a [C, C, 1] conv1d) -> [C, C] (diffusers' linear). Any other shape
 * is kept, so the builder's shape check reports it.
 * @example
 * squeezeConv1x1([512, 512, 1, 1]); // [512, 512]
 */
export function squeezeConv1x1(shape: readonly number[]): readonly number[] {
  const isPointwise = shape.length > 2 && shape.slice(2).every((d) => d === 1);
  return isPointwise ? shape.slice(0, 2) : shape;
}

function withLinearReshape(key: string): WeightMapping {
  // Only the q/k/v/out projection weights were convolutions; their biases and the norm are already 1-D.
  return /\.(to_q|to_k|to_v|to_out\.0)\.weight$/.test(key) ? { key, reshape: squeezeConv1x1 } : { key };
}

/**
 * The diffusers key of one LDM VAE key (without `first_stage_model.`), or `undefined` for keys that
 * are not VAE weights (e.g. training-loss modules some checkpoints carry).
 * @example
 * convertLdmVaeKey('decoder.up.3.block.0.nin_shortcut.weight', 4); // { key: 'decoder.up_blocks.0.resnets.0.conv_shortcut.weight' }
 * convertLdmVaeKey('encoder.mid.attn_1.q.weight', 4); // { key: 'encoder.mid_block.attentions.0.to_q.weight', reshape }
 */
export function convertLdmVaeKey(ldmKey: string, levels: number): WeightMapping | undefined {
  for (const rule of LDM_RULES) {
    const m = ldmKey.match(rule.pattern);
    if (m === null) continue;
    const key = rule.rewrite(m, levels);
    return key === undefined ? undefined : withLinearReshape(key);
  }
  return undefined;
}

/**
 * Selector for the VAE inside a single-file LDM checkpoint (`.safetensors`, or `.ckpt` with its
 * `state_dict.` level); `prefix` is `''` for standalone LDM VAE files.
 * @example
 * const weights = await WeightMap.load(reader, ldmVaeSelector(config.blockOutChannels.length));
 */
export function ldmVaeSelector(levels: number, prefix = LDM_VAE_PREFIX): WeightSelector {
  return (stored) => {
    const key = ldmKey(stored);
    return key.startsWith(prefix) ? convertLdmVaeKey(key.slice(prefix.length), levels) : undefined;
  };
}

/**
 * Selector for a diffusers VAE file: keys as they are, deprecated attention names renamed (and their
 * weights squeezed, since some such files stored them as 1x1 convs too).
 * @example
 * const weights = await WeightMap.load(reader, diffusersVaeSelector);
 */
export const diffusersVaeSelector: WeightSelector = (stored) => {
  const m = stored.match(DEPRECATED_ATTENTION);
  if (m === null) return withLinearReshape(stored);
  return withLinearReshape(`${m[1]}.mid_block.attentions.0.${DEPRECATED_NAMES[m[2] ?? '']}.${m[3]}`);
};
