import { engineErrorOf } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { parseConfigJson, parseLdmYaml, readConfigJson, readLdmYaml } from '../ldm-config';
import { fixturePath } from '../ldm-config/test-support';
import {
  SD1_VAE_CONFIG,
  VAE_CONFIG_JSON_SCHEMA,
  vaeConfigFromJson,
  vaeConfigFromLdmYaml,
} from './vae-config';

describe(vaeConfigFromJson.name, () => {
  it('reads the fixture config.json', async () => {
    const config = vaeConfigFromJson(
      await readConfigJson(fixturePath('tiny-sd', 'vae', 'config.json'), VAE_CONFIG_JSON_SCHEMA),
    );
    expect(config.latentChannels).toBe(4);
    expect(config.blockOutChannels.length).toBeGreaterThan(0);
    expect(config.normGroups).toBe(32);
  });

  it('gives the SD1.x config for the SD1.5 config.json fields', () => {
    const json = parseConfigJson(
      {
        _class_name: 'AutoencoderKL',
        block_out_channels: [128, 256, 512, 512],
        down_block_types: Array(4).fill('DownEncoderBlock2D'),
        up_block_types: Array(4).fill('UpDecoderBlock2D'),
        layers_per_block: 2,
        sample_size: 512,
      },
      VAE_CONFIG_JSON_SCHEMA,
      'vae/config.json',
    );
    expect(vaeConfigFromJson(json)).toEqual(SD1_VAE_CONFIG);
  });

  it('refuses block types it cannot build and mismatched level counts', () => {
    const bad = {
      block_out_channels: [32, 64],
      down_block_types: ['AttnDownEncoderBlock2D', 'DownEncoderBlock2D'],
    };
    expect(engineErrorOf(() => parseConfigJson(bad, VAE_CONFIG_JSON_SCHEMA, 'c.json')).code).toBe(
      'invalid_model_config',
    );
    const short = parseConfigJson(
      { block_out_channels: [32, 64], up_block_types: ['UpDecoderBlock2D'] },
      VAE_CONFIG_JSON_SCHEMA,
      'c.json',
    );
    expect(engineErrorOf(() => vaeConfigFromJson(short)).code).toBe('invalid_model_config');
  });
});

describe(vaeConfigFromLdmYaml.name, () => {
  it('agrees with the diffusers config.json of the same fixture model', async () => {
    const fromYaml = vaeConfigFromLdmYaml(await readLdmYaml(fixturePath('tiny-sd.yaml')));
    const fromJson = vaeConfigFromJson(
      await readConfigJson(fixturePath('tiny-sd', 'vae', 'config.json'), VAE_CONFIG_JSON_SCHEMA),
    );
    expect(fromYaml).toEqual(fromJson);
  });

  it('falls back to SD1.x without a yaml or a first stage', () => {
    expect(vaeConfigFromLdmYaml(undefined)).toBe(SD1_VAE_CONFIG);
    expect(vaeConfigFromLdmYaml(parseLdmYaml('model:\n  params: {}', 'x.yaml'))).toBe(SD1_VAE_CONFIG);
  });

  it.each([
    ['attention inside levels', '[16]', 4],
    ['embed_dim != z_channels', '[]', 8],
  ])('refuses %s', (_name, attn, embed) => {
    const yaml = parseLdmYaml(
      `model:
  params:
    first_stage_config:
      target: ldm.models.autoencoder.AutoencoderKL
      params:
        embed_dim: ${embed}
        ddconfig: { double_z: true, z_channels: 4, in_channels: 3, out_ch: 3, ch: 32, ch_mult: [1, 2], num_res_blocks: 1, attn_resolutions: ${attn} }`,
      'x.yaml',
    );
    expect(engineErrorOf(() => vaeConfigFromLdmYaml(yaml)).code).toBe('invalid_ldm_yaml');
  });
});
