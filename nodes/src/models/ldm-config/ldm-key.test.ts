import { describe, expect, it } from 'vitest';
import { ldmKey } from './ldm-key';

describe(ldmKey.name, () => {
  it.each([
    ['state_dict.first_stage_model.encoder.conv_in.weight', 'first_stage_model.encoder.conv_in.weight'],
    ['first_stage_model.encoder.conv_in.weight', 'first_stage_model.encoder.conv_in.weight'],
    ['state_dict', 'state_dict'],
    ['model.state_dict.x', 'model.state_dict.x'],
  ])('%s -> %s', (stored, key) => {
    expect(ldmKey(stored)).toBe(key);
  });
});
