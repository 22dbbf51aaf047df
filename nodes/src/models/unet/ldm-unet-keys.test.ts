import { openWeights } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { convertLdmUnetKeys, LDM_UNET_PREFIX, ldmToDiffusersUnetKey } from './ldm-unet-keys';
import { fixturePath } from './test-fixtures';

/** SD1.5 (layers_per_block 2) names, as diffusers' convert_ldm_unet_checkpoint produces them. */
const SD15_CASES = [
  ['time_embed.0.weight', 'time_embedding.linear_1.weight'],
  ['time_embed.2.bias', 'time_embedding.linear_2.bias'],
  ['input_blocks.0.0.weight', 'conv_in.weight'],
  ['input_blocks.1.0.in_layers.0.weight', 'down_blocks.0.resnets.0.norm1.weight'],
  ['input_blocks.1.0.in_layers.2.bias', 'down_blocks.0.resnets.0.conv1.bias'],
  ['input_blocks.1.0.emb_layers.1.weight', 'down_blocks.0.resnets.0.time_emb_proj.weight'],
  ['input_blocks.1.0.out_layers.0.bias', 'down_blocks.0.resnets.0.norm2.bias'],
  ['input_blocks.1.0.out_layers.3.weight', 'down_blocks.0.resnets.0.conv2.weight'],
  ['input_blocks.1.1.proj_in.weight', 'down_blocks.0.attentions.0.proj_in.weight'],
  [
    'input_blocks.2.1.transformer_blocks.0.attn1.to_q.weight',
    'down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q.weight',
  ],
  ['input_blocks.3.0.op.weight', 'down_blocks.0.downsamplers.0.conv.weight'],
  ['input_blocks.4.0.skip_connection.weight', 'down_blocks.1.resnets.0.conv_shortcut.weight'],
  ['input_blocks.5.1.norm.bias', 'down_blocks.1.attentions.1.norm.bias'],
  ['input_blocks.9.0.op.bias', 'down_blocks.2.downsamplers.0.conv.bias'],
  ['input_blocks.11.0.in_layers.2.weight', 'down_blocks.3.resnets.1.conv1.weight'],
  ['middle_block.0.in_layers.0.weight', 'mid_block.resnets.0.norm1.weight'],
  [
    'middle_block.1.transformer_blocks.0.ff.net.0.proj.weight',
    'mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight',
  ],
  ['middle_block.2.emb_layers.1.bias', 'mid_block.resnets.1.time_emb_proj.bias'],
  ['output_blocks.0.0.skip_connection.bias', 'up_blocks.0.resnets.0.conv_shortcut.bias'],
  ['output_blocks.2.1.conv.weight', 'up_blocks.0.upsamplers.0.conv.weight'],
  ['output_blocks.3.1.proj_out.weight', 'up_blocks.1.attentions.0.proj_out.weight'],
  [
    'output_blocks.5.1.transformer_blocks.0.attn2.to_k.weight',
    'up_blocks.1.attentions.2.transformer_blocks.0.attn2.to_k.weight',
  ],
  ['output_blocks.5.2.conv.bias', 'up_blocks.1.upsamplers.0.conv.bias'],
  ['output_blocks.8.2.conv.weight', 'up_blocks.2.upsamplers.0.conv.weight'],
  ['output_blocks.11.0.out_layers.3.bias', 'up_blocks.3.resnets.2.conv2.bias'],
  [
    'output_blocks.11.1.transformer_blocks.0.norm3.weight',
    'up_blocks.3.attentions.2.transformer_blocks.0.norm3.weight',
  ],
  ['out.0.weight', 'conv_norm_out.weight'],
  ['out.2.bias', 'conv_out.bias'],
] as const;

describe(ldmToDiffusersUnetKey.name, () => {
  it.each(SD15_CASES)('%s -> %s', (ldm, diffusers) => {
    expect(ldmToDiffusersUnetKey(ldm, 2)).toBe(diffusers);
  });

  it.each([
    ['input_blocks.3.0.in_layers.0.weight', 1, 'down_blocks.1.resnets.0.norm1.weight'],
    ['input_blocks.2.0.op.weight', 1, 'down_blocks.0.downsamplers.0.conv.weight'],
    ['output_blocks.1.1.conv.weight', 1, 'up_blocks.0.upsamplers.0.conv.weight'],
    ['output_blocks.2.0.in_layers.0.bias', 1, 'up_blocks.1.resnets.0.norm1.bias'],
  ] as const)('follows layers_per_block: %s with %i layers', (ldm, layers, diffusers) => {
    expect(ldmToDiffusersUnetKey(ldm, layers)).toBe(diffusers);
  });

  it.each([
    'label_emb.0.0.weight',
    'input_blocks.0.1.weight',
    'input_blocks.1.2.norm.weight',
    'middle_block.3.in_layers.0.weight',
    'input_blocks.1.0.in_layers.1.weight',
    'betas',
  ])('leaves %s unmapped', (key) => {
    expect(ldmToDiffusersUnetKey(key, 2)).toBeUndefined();
  });
});

describe(convertLdmUnetKeys.name, () => {
  it("maps the fixture single file's UNet keys onto exactly the diffusers folder's keys", async () => {
    const single = await openWeights(fixturePath('tiny-sd.safetensors'));
    const folder = await openWeights(fixturePath('tiny-sd', 'unet', 'diffusion_pytorch_model.safetensors'));
    try {
      const ldm = single.keys().filter((k) => k.startsWith(LDM_UNET_PREFIX));
      const { mapping, unmapped } = convertLdmUnetKeys(
        ldm.map((k) => k.slice(LDM_UNET_PREFIX.length)),
        2,
      );
      expect(unmapped).toEqual([]);
      expect([...mapping.values()].sort()).toEqual(folder.keys());
      for (const [from, to] of mapping) {
        expect(single.info(LDM_UNET_PREFIX + from)?.shape).toEqual(folder.info(to)?.shape);
      }
    } finally {
      await single.close();
      await folder.close();
    }
  });
});
