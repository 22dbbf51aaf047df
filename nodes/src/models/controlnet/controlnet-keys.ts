/**
 * @module
 * ControlNet weight names. diffusers folders store `ControlNetModel` names; the original releases
 * (lllyasviel ControlNet 1.0 / 1.1, `.pth` or `.safetensors`) store cldm names, under `control_model.`
 * when the file holds the whole ControlLDM and bare when it holds the ControlNet alone. cldm -> diffusers
 * follows diffusers' `convert_controlnet_checkpoint` (loaders/single_file_utils.py): the UNet part is
 * renamed as a UNet's input and middle blocks are (`ldmToDiffusersUnetKey`), `input_hint_block.{0,2,..}`
 * become `controlnet_cond_embedding.conv_in`, `.blocks.{i}` and `.conv_out` (the last conv),
 * `zero_convs.{i}.0` `controlnet_down_blocks.{i}` and `middle_block_out.0` `controlnet_mid_block`.
 */
import { ldmKey } from '../ldm-config';
import { ldmToDiffusersUnetKey } from '../unet';

/** How a file names its ControlNet weights. */
export type ControlNetKeyLayout =
  | { readonly kind: 'diffusers' }
  | {
      readonly kind: 'cldm';
      /** `control_model.` (whole ControlLDM saved) or `''` (the ControlNet alone). */
      readonly prefix: string;
    };

/** The key prefix of the ControlNet inside a whole ControlLDM checkpoint. */
export const CLDM_CONTROL_PREFIX = 'control_model.';

const DIFFUSERS_MARKER = 'controlnet_cond_embedding.conv_in.weight';
const CLDM_MARKER = 'zero_convs.0.0.weight';
const HINT_KEY = /^input_hint_block\.(\d+)\.(weight|bias)$/;
const ZERO_CONV_KEY = /^zero_convs\.(\d+)\.0\.(weight|bias)$/;

/**
 * Which layout the stored keys use, or `undefined` when they hold no ControlNet.
 * @example
 * controlNetKeyLayout(['control_model.zero_convs.0.0.weight', ...]); // { kind: 'cldm', prefix: 'control_model.' }
 */
export function controlNetKeyLayout(storedKeys: readonly string[]): ControlNetKeyLayout | undefined {
  const keys = new Set(storedKeys.map(ldmKey));
  if (keys.has(DIFFUSERS_MARKER)) return { kind: 'diffusers' };
  if (keys.has(CLDM_CONTROL_PREFIX + CLDM_MARKER)) return { kind: 'cldm', prefix: CLDM_CONTROL_PREFIX };
  if (keys.has(CLDM_MARKER)) return { kind: 'cldm', prefix: '' };
  return undefined;
}

/** The cldm keys of one ControlNet: stored keys inside the layout's prefix, prefix removed. */
export function cldmControlKeys(storedKeys: readonly string[], prefix: string): string[] {
  return storedKeys
    .map(ldmKey)
    .filter((k) => k.startsWith(prefix))
    .map((k) => k.slice(prefix.length));
}

/**
 * Index of the last `input_hint_block` conv (its `conv_out`): 14 for SD1.5's four-stage embedding.
 * @example
 * lastHintConv(['input_hint_block.0.weight', 'input_hint_block.14.weight']); // 14
 */
export function lastHintConv(cldmKeys: readonly string[]): number {
  let last = -1;
  for (const key of cldmKeys) {
    const m = HINT_KEY.exec(key);
    if (m !== null) last = Math.max(last, Number(m[1]));
  }
  return last;
}

function hintKey(index: number, param: string, last: number): string | undefined {
  // Convs sit at even indices, each followed by a SiLU.
  if (index % 2 !== 0) return undefined;
  if (index === 0) return `controlnet_cond_embedding.conv_in.${param}`;
  if (index === last) return `controlnet_cond_embedding.conv_out.${param}`;
  return `controlnet_cond_embedding.blocks.${index / 2 - 1}.${param}`;
}

/**
 * The diffusers name of one cldm ControlNet key (prefix removed), or `undefined` for keys outside it.
 * @example
 * cldmToDiffusersControlNetKey('zero_convs.3.0.weight', { layersPerBlock: 2, lastHintConv: 14 }); // 'controlnet_down_blocks.3.weight'
 * cldmToDiffusersControlNetKey('input_hint_block.2.bias', { layersPerBlock: 2, lastHintConv: 14 }); // 'controlnet_cond_embedding.blocks.0.bias'
 */
export function cldmToDiffusersControlNetKey(
  key: string,
  o: { readonly layersPerBlock: number; readonly lastHintConv: number },
): string | undefined {
  const hint = HINT_KEY.exec(key);
  if (hint !== null) return hintKey(Number(hint[1]), hint[2]!, o.lastHintConv);
  const zero = ZERO_CONV_KEY.exec(key);
  if (zero !== null) return `controlnet_down_blocks.${zero[1]}.${zero[2]}`;
  if (key.startsWith('middle_block_out.0.')) return `controlnet_mid_block.${key.slice(19)}`;
  // A ControlNet copies only the UNet's input and middle blocks.
  if (key.startsWith('output_blocks.') || key.startsWith('out.')) return undefined;
  return ldmToDiffusersUnetKey(key, o.layersPerBlock);
}
