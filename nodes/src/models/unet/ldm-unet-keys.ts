/**
 * @module
 * LDM (`openaimodel.UNetModel`) -> diffusers (`UNet2DConditionModel`) UNet key names, as diffusers'
 * `convert_ldm_unet_checkpoint` (loaders/single_file_utils.py) renames them: `input_blocks.{i}.{0,1}`
 * become down-block ResNets / attentions / downsamplers by `(i - 1) / (layers_per_block + 1)`,
 * `middle_block.{0,1,2}` the mid block, `output_blocks.{i}.{0,1,2}` up-block ResNets / attentions /
 * upsamplers by `i / (layers_per_block + 1)`. ResNet internals get diffusers names; transformer
 * internals are the same in both layouts (SD1.x `proj_in` / `proj_out` stay 1x1 convs). Pure: keys in,
 * names out; the loader reads tensors lazily by the returned names.
 */

/** The key prefix of the UNet inside an SD single-file checkpoint. */
export const LDM_UNET_PREFIX = 'model.diffusion_model.';

/** Result of `convertLdmUnetKeys`. */
export interface LdmUnetKeyConversion {
  /** LDM key (without prefix) -> diffusers key. */
  readonly mapping: ReadonlyMap<string, string>;
  /** LDM keys no rule covers (an architecture this converter does not know), sorted. */
  readonly unmapped: readonly string[];
}

/** `renew_resnet_paths`: LDM ResBlock children -> diffusers ResnetBlock2D children. */
const RESNET_RENAMES = [
  ['in_layers.0.', 'norm1.'],
  ['in_layers.2.', 'conv1.'],
  ['out_layers.0.', 'norm2.'],
  ['out_layers.3.', 'conv2.'],
  ['emb_layers.1.', 'time_emb_proj.'],
  ['skip_connection.', 'conv_shortcut.'],
] as const;

/** Whole-module renames outside the block lists. */
const FIXED_RENAMES = [
  ['time_embed.0.', 'time_embedding.linear_1.'],
  ['time_embed.2.', 'time_embedding.linear_2.'],
  ['input_blocks.0.0.', 'conv_in.'],
  ['out.0.', 'conv_norm_out.'],
  ['out.2.', 'conv_out.'],
] as const;

function renameResnet(rest: string): string | undefined {
  for (const [from, to] of RESNET_RENAMES) if (rest.startsWith(from)) return to + rest.slice(from.length);
  return undefined;
}

function convertInput(i: number, j: number, rest: string, per: number): string | undefined {
  const block = Math.floor((i - 1) / per);
  const layer = (i - 1) % per;
  if (j === 0 && rest.startsWith('op.')) return `down_blocks.${block}.downsamplers.0.conv.${rest.slice(3)}`;
  if (j === 0) {
    const r = renameResnet(rest);
    return r === undefined ? undefined : `down_blocks.${block}.resnets.${layer}.${r}`;
  }
  return j === 1 ? `down_blocks.${block}.attentions.${layer}.${rest}` : undefined;
}

function convertMiddle(j: number, rest: string): string | undefined {
  if (j === 1) return `mid_block.attentions.0.${rest}`;
  if (j !== 0 && j !== 2) return undefined;
  const r = renameResnet(rest);
  return r === undefined ? undefined : `mid_block.resnets.${j / 2}.${r}`;
}

function convertOutput(i: number, j: number, rest: string, per: number): string | undefined {
  const block = Math.floor(i / per);
  const layer = i % per;
  if (j === 0) {
    const r = renameResnet(rest);
    return r === undefined ? undefined : `up_blocks.${block}.resnets.${layer}.${r}`;
  }
  // The upsampler is the child holding a bare `conv` (index 1 without attention, 2 with it).
  if (rest.startsWith('conv.')) return `up_blocks.${block}.upsamplers.0.${rest}`;
  return j === 1 ? `up_blocks.${block}.attentions.${layer}.${rest}` : undefined;
}

const BLOCK_KEY = /^(input_blocks|middle_block|output_blocks)\.(?:(\d+)\.)?(\d+)\.(.+)$/;

/**
 * The diffusers name of one LDM UNet key (without `model.diffusion_model.`), or `undefined`.
 * @example
 * ldmToDiffusersUnetKey('input_blocks.4.1.proj_in.weight', 2); // 'down_blocks.1.attentions.0.proj_in.weight'
 */
export function ldmToDiffusersUnetKey(key: string, layersPerBlock: number): string | undefined {
  for (const [from, to] of FIXED_RENAMES) if (key.startsWith(from)) return to + key.slice(from.length);
  const m = BLOCK_KEY.exec(key);
  if (m === null) return undefined;
  const [, list, first, second, rest] = m as unknown as [string, string, string | undefined, string, string];
  const per = layersPerBlock + 1;
  if (list === 'middle_block') return first === undefined ? convertMiddle(Number(second), rest) : undefined;
  if (first === undefined) return undefined;
  const i = Number(first);
  const j = Number(second);
  if (list === 'input_blocks') return i === 0 ? undefined : convertInput(i, j, rest, per);
  return convertOutput(i, j, rest, per);
}

/**
 * Convert every key of an LDM UNet state dict (prefix already removed).
 * @example
 * const { mapping } = convertLdmUnetKeys(keys.map((k) => k.slice(LDM_UNET_PREFIX.length)), 2);
 */
export function convertLdmUnetKeys(keys: readonly string[], layersPerBlock: number): LdmUnetKeyConversion {
  const mapping = new Map<string, string>();
  const unmapped: string[] = [];
  for (const key of keys) {
    const converted = ldmToDiffusersUnetKey(key, layersPerBlock);
    if (converted === undefined) unmapped.push(key);
    else mapping.set(key, converted);
  }
  return { mapping, unmapped: unmapped.sort() };
}
