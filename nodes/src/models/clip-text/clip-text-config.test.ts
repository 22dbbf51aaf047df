import { engineErrorOf } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { parseConfigJson, parseLdmYaml, readConfigJson, readLdmYaml } from '../ldm-config';
import { fixturePath } from '../ldm-config/test-support';
import {
  CLIP_TEXT_CONFIG_JSON_SCHEMA,
  clipTextConfigFromJson,
  clipTextConfigFromLdmYaml,
  SD1_CLIP_TEXT_CONFIG,
} from './clip-text-config';

const SD15_TEXT_CONFIG_JSON = {
  architectures: ['CLIPTextModel'],
  hidden_act: 'quick_gelu',
  hidden_size: 768,
  intermediate_size: 3072,
  max_position_embeddings: 77,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  vocab_size: 49408,
};

describe(clipTextConfigFromJson.name, () => {
  it('gives the SD1.x config for the SD1.5 text_encoder/config.json', () => {
    const json = parseConfigJson(SD15_TEXT_CONFIG_JSON, CLIP_TEXT_CONFIG_JSON_SCHEMA, 'c.json');
    expect(clipTextConfigFromJson(json, 'c.json')).toEqual(SD1_CLIP_TEXT_CONFIG);
  });

  it('reads a full CLIPConfig through its text_config', () => {
    const json = parseConfigJson(
      { text_config: SD15_TEXT_CONFIG_JSON },
      CLIP_TEXT_CONFIG_JSON_SCHEMA,
      'c.json',
    );
    expect(clipTextConfigFromJson(json, 'c.json')).toEqual(SD1_CLIP_TEXT_CONFIG);
  });

  it.each([
    ['an unknown activation', { hidden_act: 'relu' }, 'invalid_model_config'],
    ['a non-integer width', { hidden_size: 7.5 }, 'invalid_model_config'],
  ])('refuses %s', (_name, patch, code) => {
    expect(
      engineErrorOf(() =>
        parseConfigJson({ ...SD15_TEXT_CONFIG_JSON, ...patch }, CLIP_TEXT_CONFIG_JSON_SCHEMA, 'c'),
      ).code,
    ).toBe(code);
  });

  it('refuses heads that do not divide the width', () => {
    const json = parseConfigJson(
      { ...SD15_TEXT_CONFIG_JSON, num_attention_heads: 5 },
      CLIP_TEXT_CONFIG_JSON_SCHEMA,
      'c',
    );
    expect(engineErrorOf(() => clipTextConfigFromJson(json, 'c')).code).toBe('invalid_model_config');
  });
});

describe(clipTextConfigFromLdmYaml.name, () => {
  it('agrees with the transformers config.json of the same fixture model', async () => {
    const fromYaml = clipTextConfigFromLdmYaml(await readLdmYaml(fixturePath('tiny-sd.yaml')));
    const path = fixturePath('tiny-sd', 'text_encoder', 'config.json');
    expect(fromYaml).toEqual(
      clipTextConfigFromJson(await readConfigJson(path, CLIP_TEXT_CONFIG_JSON_SCHEMA), path),
    );
  });

  it('uses the SD1.x tower without a yaml, or for a FrozenCLIPEmbedder without sizes', () => {
    expect(clipTextConfigFromLdmYaml(undefined)).toBe(SD1_CLIP_TEXT_CONFIG);
    const yaml = parseLdmYaml(
      'model:\n  params:\n    cond_stage_config:\n      target: ldm.modules.encoders.modules.FrozenCLIPEmbedder',
      'v1-inference.yaml',
    );
    expect(clipTextConfigFromLdmYaml(yaml)).toEqual(SD1_CLIP_TEXT_CONFIG);
  });

  it('refuses other conditioning stages', () => {
    const yaml = parseLdmYaml(
      'model:\n  params:\n    cond_stage_config:\n      target: ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder',
      'v2-inference.yaml',
    );
    expect(engineErrorOf(() => clipTextConfigFromLdmYaml(yaml)).code).toBe('unsupported_text_encoder');
  });
});
