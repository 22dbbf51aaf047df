/**
 * @module
 * LDM `.ckpt` files are `torch.save({'state_dict': model.state_dict(), 'global_step': ...})`, so the
 * torch reader (which flattens nested dicts) lists their weights as `state_dict.first_stage_model...`;
 * `.safetensors` conversions list them without that level. Selectors read keys through `ldmKey`.
 */

const STATE_DICT_PREFIX = 'state_dict.';

/**
 * A stored single-file key without the `.ckpt` wrapper level.
 * @example
 * ldmKey('state_dict.first_stage_model.encoder.conv_in.weight'); // 'first_stage_model.encoder.conv_in.weight'
 * ldmKey('first_stage_model.encoder.conv_in.weight'); // unchanged
 */
export function ldmKey(stored: string): string {
  return stored.startsWith(STATE_DICT_PREFIX) ? stored.slice(STATE_DICT_PREFIX.length) : stored;
}
