import { engineErrorOf } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseLdmYaml, parseStageParams, readLdmYaml } from './ldm-yaml';
import { fixturePath } from './test-support';

const YAML = `
model:
  target: ldm.models.diffusion.ddpm.LatentDiffusion
  params:
    scale_factor: 0.18215
    first_stage_config:
      target: ldm.models.autoencoder.AutoencoderKL
      params:
        embed_dim: 4
    cond_stage_config:
      target: ldm.modules.encoders.modules.FrozenCLIPEmbedder
`;

describe(parseLdmYaml.name, () => {
  it('reads the stages and the scale factor', () => {
    const cfg = parseLdmYaml(YAML, 'x.yaml');
    expect(cfg.scaleFactor).toBe(0.18215);
    expect(cfg.firstStage).toEqual({
      target: 'ldm.models.autoencoder.AutoencoderKL',
      params: { embed_dim: 4 },
    });
    expect(cfg.condStage).toEqual({ target: 'ldm.modules.encoders.modules.FrozenCLIPEmbedder', params: {} });
    expect(cfg.unet).toBeUndefined();
  });

  it.each([
    ['not YAML', 'model: [unclosed'],
    ['no model key', 'foo: 1'],
    ['a stage without target', 'model:\n  params:\n    unet_config:\n      params: {}'],
  ])('refuses %s with invalid_ldm_yaml', (_name, text) => {
    expect(engineErrorOf(() => parseLdmYaml(text, 'bad.yaml')).code).toBe('invalid_ldm_yaml');
  });

  it('reads the fixture yaml from disk', async () => {
    const cfg = await readLdmYaml(fixturePath('tiny-sd.yaml'));
    expect(cfg.firstStage?.target).toBe('ldm.models.autoencoder.AutoencoderKL');
    expect(cfg.unet?.params).toHaveProperty('model_channels');
  });

  it('reports an unreadable file as config_unreadable', async () => {
    await expect(readLdmYaml(fixturePath('no-such.yaml'))).rejects.toMatchObject({
      code: 'config_unreadable',
    });
  });
});

describe(parseStageParams.name, () => {
  it('names the stage and field of a bad parameter', () => {
    const cfg = parseLdmYaml(YAML, 'x.yaml');
    const schema = z.object({ embed_dim: z.string() });
    let message = '';
    try {
      parseStageParams(cfg, 'first_stage_config', cfg.firstStage!, schema);
    } catch (err) {
      message = err instanceof Error ? err.message : '';
    }
    expect(message).toContain('first_stage_config.params.embed_dim');
  });
});
