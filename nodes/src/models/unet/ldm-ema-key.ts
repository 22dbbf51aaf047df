/**
 * @module
 * Where LDM training checkpoints keep the EMA copy of a weight: LitEma (ldm/modules/ema.py) registers
 * one buffer per parameter of `model`, named after the parameter with its dots removed (buffer names
 * cannot hold dots), under `model_ema.`; diffusers' `convert_ldm_unet_checkpoint(extract_ema=True)`
 * reads them back the same way.
 */

/** The prefix of LitEma's buffers in a checkpoint. */
export const LDM_EMA_PREFIX = 'model_ema.';

const MODEL_PREFIX = 'model.';

/**
 * The EMA key of a `model.*` weight key.
 * @example
 * ldmEmaKey('model.diffusion_model.input_blocks.1.0.in_layers.0.weight');
 * // 'model_ema.diffusion_modelinput_blocks10in_layers0weight'
 */
export function ldmEmaKey(key: string): string {
  const local = key.startsWith(MODEL_PREFIX) ? key.slice(MODEL_PREFIX.length) : key;
  return `${LDM_EMA_PREFIX}${local.replaceAll('.', '')}`;
}
