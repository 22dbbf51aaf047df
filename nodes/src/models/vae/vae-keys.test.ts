import { openWeights } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../ldm-config/test-support';
import {
  convertLdmVaeKey,
  diffusersVaeSelector,
  LDM_VAE_PREFIX,
  ldmVaeSelector,
  squeezeConv1x1,
} from './vae-keys';

describe(convertLdmVaeKey.name, () => {
  it.each([
    ['encoder.conv_in.weight', 'encoder.conv_in.weight'],
    ['decoder.conv_out.bias', 'decoder.conv_out.bias'],
    ['encoder.norm_out.weight', 'encoder.conv_norm_out.weight'],
    ['decoder.norm_out.bias', 'decoder.conv_norm_out.bias'],
    ['quant_conv.weight', 'quant_conv.weight'],
    ['post_quant_conv.bias', 'post_quant_conv.bias'],
    ['encoder.down.0.block.1.norm1.weight', 'encoder.down_blocks.0.resnets.1.norm1.weight'],
    ['encoder.down.1.block.0.nin_shortcut.weight', 'encoder.down_blocks.1.resnets.0.conv_shortcut.weight'],
    ['encoder.down.2.downsample.conv.bias', 'encoder.down_blocks.2.downsamplers.0.conv.bias'],
    ['encoder.mid.block_1.conv2.weight', 'encoder.mid_block.resnets.0.conv2.weight'],
    ['decoder.mid.block_2.norm2.bias', 'decoder.mid_block.resnets.1.norm2.bias'],
    ['encoder.mid.attn_1.norm.weight', 'encoder.mid_block.attentions.0.group_norm.weight'],
    ['decoder.mid.attn_1.q.bias', 'decoder.mid_block.attentions.0.to_q.bias'],
    ['decoder.mid.attn_1.proj_out.bias', 'decoder.mid_block.attentions.0.to_out.0.bias'],
    // LDM numbers decoder levels from the lowest resolution; diffusers in the order they run.
    ['decoder.up.3.block.0.conv1.weight', 'decoder.up_blocks.0.resnets.0.conv1.weight'],
    ['decoder.up.0.block.2.conv2.bias', 'decoder.up_blocks.3.resnets.2.conv2.bias'],
    ['decoder.up.1.block.0.nin_shortcut.bias', 'decoder.up_blocks.2.resnets.0.conv_shortcut.bias'],
    ['decoder.up.3.upsample.conv.weight', 'decoder.up_blocks.0.upsamplers.0.conv.weight'],
    ['decoder.up.1.upsample.conv.bias', 'decoder.up_blocks.2.upsamplers.0.conv.bias'],
  ])('%s -> %s', (ldm, diffusers) => {
    expect(convertLdmVaeKey(ldm, 4)?.key).toBe(diffusers);
  });

  it.each([
    'encoder.mid.attn_1.q.weight',
    'encoder.mid.attn_1.k.weight',
    'decoder.mid.attn_1.v.weight',
    'decoder.mid.attn_1.proj_out.weight',
  ])('reshapes the 1x1 conv %s into a linear weight', (ldm) => {
    expect(convertLdmVaeKey(ldm, 4)?.reshape?.([512, 512, 1, 1])).toEqual([512, 512]);
  });

  it.each(['encoder.mid.attn_1.q.bias', 'encoder.mid.attn_1.norm.weight', 'encoder.conv_in.weight'])(
    'leaves %s unreshaped',
    (ldm) => {
      expect(convertLdmVaeKey(ldm, 4)?.reshape).toBeUndefined();
    },
  );

  it.each([
    'loss.discriminator.main.0.weight',
    'encoder.down.0.block.0.unknown.weight',
    'decoder.mid.attn_1.unknown.weight',
    'decoder.up.4.block.0.conv1.weight',
    'model.diffusion_model.out.0.weight',
  ])('ignores %s', (ldm) => {
    expect(convertLdmVaeKey(ldm, 4)).toBeUndefined();
  });

  it('maps the fixture single file onto exactly the diffusers file, shape for shape', async () => {
    const [ldm, diffusers] = await Promise.all([
      openWeights(fixturePath('tiny-sd.safetensors')),
      openWeights(fixturePath('tiny-sd', 'vae', 'diffusion_pytorch_model.safetensors')),
    ]);
    try {
      const levels = new Set(
        diffusers.keys().flatMap((k) => k.match(/^decoder\.up_blocks\.(\d+)\./)?.[1] ?? []),
      ).size;
      const select = ldmVaeSelector(levels);
      const converted = new Map<string, readonly number[]>();
      for (const key of ldm.keys()) {
        const m = select(key);
        if (m === undefined) continue;
        const shape = ldm.info(key)!.shape;
        converted.set(m.key, m.reshape === undefined ? shape : m.reshape(shape));
      }
      expect([...converted.keys()].sort()).toEqual(diffusers.keys());
      for (const key of diffusers.keys()) expect(converted.get(key), key).toEqual(diffusers.info(key)!.shape);
      expect(ldm.keys().filter((k) => k.startsWith(LDM_VAE_PREFIX)).length).toBe(converted.size);
    } finally {
      await Promise.all([ldm.close(), diffusers.close()]);
    }
  });
});

describe(ldmVaeSelector.name, () => {
  it.each([
    [
      'first_stage_model.decoder.up.3.upsample.conv.bias',
      'first_stage_model.',
      'decoder.up_blocks.0.upsamplers.0.conv.bias',
    ],
    [
      'state_dict.first_stage_model.encoder.norm_out.bias',
      'first_stage_model.',
      'encoder.conv_norm_out.bias',
    ],
    ['decoder.mid.attn_1.k.weight', '', 'decoder.mid_block.attentions.0.to_k.weight'],
    ['model.diffusion_model.out.2.bias', 'first_stage_model.', undefined],
  ])('%s (prefix %j) -> %s', (stored, prefix, key) => {
    expect(ldmVaeSelector(4, prefix)(stored)?.key).toBe(key);
  });
});

describe('diffusersVaeSelector', () => {
  it.each([
    ['encoder.mid_block.attentions.0.query.weight', 'encoder.mid_block.attentions.0.to_q.weight'],
    ['decoder.mid_block.attentions.0.key.bias', 'decoder.mid_block.attentions.0.to_k.bias'],
    ['decoder.mid_block.attentions.0.value.weight', 'decoder.mid_block.attentions.0.to_v.weight'],
    ['encoder.mid_block.attentions.0.proj_attn.weight', 'encoder.mid_block.attentions.0.to_out.0.weight'],
    ['decoder.up_blocks.0.resnets.0.conv1.weight', 'decoder.up_blocks.0.resnets.0.conv1.weight'],
  ])('maps %s -> %s', (stored, key) => {
    expect(diffusersVaeSelector(stored)?.key).toBe(key);
  });
});

describe(squeezeConv1x1.name, () => {
  it.each([
    [
      [8, 8, 1, 1],
      [8, 8],
    ],
    [
      [8, 8, 1],
      [8, 8],
    ],
    [
      [8, 8],
      [8, 8],
    ],
    [
      [8, 8, 3, 3],
      [8, 8, 3, 3],
    ],
  ])('%j -> %j', (shape, expected) => {
    expect(squeezeConv1x1(shape)).toEqual(expected);
  });
});
