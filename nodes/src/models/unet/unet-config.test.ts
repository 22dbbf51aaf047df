import { EngineError } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { parseConfigJson, parseLdmYaml, readConfigJson, readLdmYaml } from '../ldm-config';
import { unetConfigFromLdmYaml } from './ldm-unet-config';
import { fixturePath, readVectorsJson } from './test-fixtures';
import { SD15_UNET_CONFIG, UNET_CONFIG_JSON_SCHEMA, unetConfigFromJson } from './unet-config';

/** runwayml/stable-diffusion-v1-5 unet/config.json (diffusers 0.6 fields). */
const SD15_JSON = {
  _class_name: 'UNet2DConditionModel',
  act_fn: 'silu',
  attention_head_dim: 8,
  block_out_channels: [320, 640, 1280, 1280],
  center_input_sample: false,
  cross_attention_dim: 768,
  down_block_types: ['CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D'],
  downsample_padding: 1,
  flip_sin_to_cos: true,
  freq_shift: 0,
  in_channels: 4,
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  norm_eps: 1e-5,
  norm_num_groups: 32,
  out_channels: 4,
  sample_size: 64,
  up_block_types: ['UpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D', 'CrossAttnUpBlock2D'],
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof EngineError ? err.code : 'not-an-engine-error';
  }
  return undefined;
}

describe(unetConfigFromJson.name, () => {
  it("reads the fixture's unet/config.json as vectors.json describes it", async () => {
    const path = fixturePath('tiny-sd', 'unet', 'config.json');
    const config = unetConfigFromJson(await readConfigJson(path, UNET_CONFIG_JSON_SCHEMA), path);
    const expected = await readVectorsJson('unet_config');
    if (typeof expected !== 'object' || expected === null) throw new Error('vectors.json lacks unet_config');
    const e = expected as Record<string, unknown>;
    expect(config.blockOutChannels).toEqual(e.block_out_channels);
    expect(config.downBlockTypes).toEqual(e.down_block_types);
    expect(config.upBlockTypes).toEqual(e.up_block_types);
    expect(config.crossAttentionDim).toBe(e.cross_attention_dim);
    expect(config.layersPerBlock).toBe(e.layers_per_block);
    expect(config.normNumGroups).toBe(e.norm_num_groups);
    // SD1.x quirk: attention_head_dim is the head count, the same at every level.
    expect(config.attentionHeads).toEqual(config.blockOutChannels.map(() => e.attention_head_dim));
  });

  it("reads SD1.5's config.json as SD15_UNET_CONFIG", () => {
    expect(unetConfigFromJson(parseConfigJson(SD15_JSON, UNET_CONFIG_JSON_SCHEMA, 'sd15'), 'sd15')).toEqual(
      SD15_UNET_CONFIG,
    );
  });

  it.each([
    ['linear projections (SD2)', { use_linear_projection: true }, 'invalid_model_config'],
    ['class embeddings', { class_embed_type: 'timestep' }, 'invalid_model_config'],
    ['an unknown block type', { down_block_types: ['SimpleCrossAttnDownBlock2D'] }, 'invalid_model_config'],
    ['scale-shift time embedding', { resnet_time_scale_shift: 'scale_shift' }, 'invalid_model_config'],
    ['too few block types', { up_block_types: ['UpBlock2D'] }, 'invalid_model_config'],
    ['heads that do not divide channels', { attention_head_dim: 7 }, 'invalid_model_config'],
    ['a per-level list of the wrong length', { attention_head_dim: [8, 8] }, 'invalid_model_config'],
  ])('refuses %s', (_, patch, code) => {
    expect(
      codeOf(() =>
        unetConfigFromJson(
          parseConfigJson({ ...SD15_JSON, ...patch }, UNET_CONFIG_JSON_SCHEMA, 'cfg'),
          'cfg',
        ),
      ),
    ).toBe(code);
  });
});

describe(unetConfigFromLdmYaml.name, () => {
  it("maps the fixture yaml's unet_config to the diffusers folder's config", async () => {
    const path = fixturePath('tiny-sd', 'unet', 'config.json');
    const fromJson = unetConfigFromJson(await readConfigJson(path, UNET_CONFIG_JSON_SCHEMA), path);
    expect(unetConfigFromLdmYaml(await readLdmYaml(fixturePath('tiny-sd.yaml')))).toEqual(fromJson);
  });

  it('uses the SD1.5 config without a yaml', () => {
    expect(unetConfigFromLdmYaml(undefined)).toBe(SD15_UNET_CONFIG);
  });

  const V1_INFERENCE = `
model:
  target: ldm.models.diffusion.ddpm.LatentDiffusion
  params:
    unet_config:
      target: ldm.modules.diffusionmodules.openaimodel.UNetModel
      params:
        image_size: 32
        in_channels: 4
        out_channels: 4
        model_channels: 320
        attention_resolutions: [4, 2, 1]
        num_res_blocks: 2
        channel_mult: [1, 2, 4, 4]
        num_heads: 8
        use_spatial_transformer: True
        transformer_depth: 1
        context_dim: 768
        use_checkpoint: True
        legacy: False
`;

  it("maps CompVis' v1-inference.yaml to SD1.5's config", () => {
    expect(unetConfigFromLdmYaml(parseLdmYaml(V1_INFERENCE, 'v1-inference.yaml'))).toEqual({
      ...SD15_UNET_CONFIG,
      sampleSize: 32,
    });
  });

  it.each([
    ['linear projections (SD2)', 'use_linear_in_transformer: True'],
    ['no heads at all', 'num_heads: -1'],
  ])('refuses %s', (_, line) => {
    const yaml = V1_INFERENCE.replace('        num_heads: 8', `        ${line}`);
    expect(codeOf(() => unetConfigFromLdmYaml(parseLdmYaml(yaml, 'bad.yaml')))).toBe('invalid_ldm_yaml');
  });
});
