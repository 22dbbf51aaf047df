import { describe, expect, it } from 'vitest';
import { cldmToDiffusersControlNetKey, controlNetKeyLayout, lastHintConv } from './controlnet-keys';

const SD15 = { layersPerBlock: 2, lastHintConv: 14 };

describe(cldmToDiffusersControlNetKey.name, () => {
  it.each([
    ['input_hint_block.0.weight', 'controlnet_cond_embedding.conv_in.weight'],
    ['input_hint_block.2.bias', 'controlnet_cond_embedding.blocks.0.bias'],
    ['input_hint_block.12.weight', 'controlnet_cond_embedding.blocks.5.weight'],
    ['input_hint_block.14.weight', 'controlnet_cond_embedding.conv_out.weight'],
    ['zero_convs.11.0.bias', 'controlnet_down_blocks.11.bias'],
    ['middle_block_out.0.weight', 'controlnet_mid_block.weight'],
    ['input_blocks.0.0.weight', 'conv_in.weight'],
    ['time_embed.2.bias', 'time_embedding.linear_2.bias'],
    ['input_blocks.4.1.proj_in.weight', 'down_blocks.1.attentions.0.proj_in.weight'],
    ['input_blocks.3.0.op.weight', 'down_blocks.0.downsamplers.0.conv.weight'],
    ['middle_block.2.in_layers.0.weight', 'mid_block.resnets.1.norm1.weight'],
    ['input_hint_block.1.weight', undefined],
    ['output_blocks.0.0.in_layers.0.weight', undefined],
  ])('%s -> %s (diffusers convert_controlnet_checkpoint)', (key, expected) => {
    expect(cldmToDiffusersControlNetKey(key, SD15)).toBe(expected);
  });
});

describe(controlNetKeyLayout.name, () => {
  it.each([
    [['controlnet_cond_embedding.conv_in.weight'], { kind: 'diffusers' }],
    [
      ['control_model.zero_convs.0.0.weight', 'model.diffusion_model.out.0.weight'],
      { kind: 'cldm', prefix: 'control_model.' },
    ],
    [['state_dict.control_model.zero_convs.0.0.weight'], { kind: 'cldm', prefix: 'control_model.' }],
    [['zero_convs.0.0.weight'], { kind: 'cldm', prefix: '' }],
    [['model.diffusion_model.input_blocks.0.0.weight'], undefined],
  ])('%j -> %j', (keys, expected) => {
    expect(controlNetKeyLayout(keys)).toEqual(expected);
  });

  it('finds the last hint conv', () => {
    expect(
      lastHintConv(['input_hint_block.0.weight', 'input_hint_block.14.bias', 'zero_convs.0.0.weight']),
    ).toBe(14);
  });
});
