import { objectInfo } from '@momaflow/engine';
import { createTestEnv, createTestNodes } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { OBJECT_INFO } from '../../../testing/builders';
import { buildTemplate, buildTemplates } from './build-templates';
import { widgetDefault } from './node-template';
import { zObjectInfo } from './object-info-schema';

const templates = buildTemplates(OBJECT_INFO);
const input = (type: string, name: string) => templates.get(type)?.inputs.find((i) => i.name === name);

describe(buildTemplate.name, () => {
  it.each([
    ['ImageScale', 'image', 'IMAGE', undefined],
    ['ImageScale', 'width', 'INT', 'INT'],
    ['ImageScale', 'upscale_method', 'COMBO', 'COMBO'],
    ['Sampler', 'model', 'MODEL', undefined],
    ['Sampler', 'seed', 'INT', 'SEED'],
    ['Sampler', 'cfg', 'FLOAT', 'FLOAT'],
    ['Sampler', 'note', 'STRING', 'STRING'],
    ['Toggle', 'flag', 'BOOLEAN', 'BOOLEAN'],
    ['LoadImage', 'image', 'COMBO', 'COMBO'],
  ])('%s.%s is a %s socket with widget %s', (type, name, socketType, kind) => {
    const spec = input(type, name);
    expect(spec?.socketType).toBe(socketType);
    expect(spec?.widget?.kind).toBe(kind);
  });

  it('keeps limits, defaults and flags from the config', () => {
    expect(input('ImageScale', 'width')?.widget).toMatchObject({
      default: 512,
      min: 0,
      max: 16384,
      step: 8,
      slider: false,
    });
    expect(input('Sampler', 'denoise')?.widget).toMatchObject({ kind: 'FLOAT', step: 0.01, slider: true });
    expect(input('Sampler', 'seed')?.widget).toMatchObject({ kind: 'SEED', default: 42, max: 1000 });
    expect(input('LoadImage', 'image')?.widget).toMatchObject({
      upload: 'image',
      options: ['example.png', 'cat.png'],
    });
    expect(input('Toggle', 'flag')?.widget).toMatchObject({ labelOn: 'yes', labelOff: 'no', default: true });
    expect(input('Sampler', 'note')?.required).toBe(false);
  });

  it('orders inputs by input_order, required before optional', () => {
    expect(templates.get('Sampler')?.inputs.map((i) => i.name)).toEqual([
      'model',
      'seed',
      'cfg',
      'denoise',
      'sampler_name',
      'note',
    ]);
    expect(templates.get('ImageScale')?.inputs.map((i) => i.name)).toEqual([
      'image',
      'upscale_method',
      'width',
    ]);
  });

  it('names outputs and falls back to the type', () => {
    expect(templates.get('Checkpoint')?.outputs.map((o) => [o.index, o.name, o.type])).toEqual([
      [0, 'MODEL', 'MODEL'],
      [1, 'CLIP', 'CLIP'],
      [2, 'VAE', 'VAE'],
    ]);
    expect(templates.get('InvertMask')?.outputs[0]?.name).toBe('MASK');
    expect(templates.get('SaveImage')?.outputNode).toBe(true);
  });

  it.each([
    [{ forceInput: true, default: 0 }, undefined],
    [{}, undefined],
    [{ default: 3 }, 'INT'],
  ])('an INT input with config %j has widget %s', (config, kind) => {
    const template = buildTemplate({
      ...OBJECT_INFO.InvertMask!,
      input: { required: { n: ['INT', config] }, optional: {} },
    });
    expect(template.inputs[0]?.widget?.kind).toBe(kind);
  });

  it('gives every widget a default', () => {
    expect(widgetDefault(input('ImageScale', 'upscale_method')!.widget!)).toBe('nearest-exact');
    expect(widgetDefault(input('Sampler', 'sampler_name')!.widget!)).toBe('euler');
    expect(widgetDefault(input('Sampler', 'note')!.widget!)).toBe('');
  });
});

describe(buildTemplates.name, () => {
  it("reads the engine's object_info for every node it exports", async () => {
    const { registry } = createTestNodes();
    const info = zObjectInfo.parse(JSON.parse(JSON.stringify(await objectInfo(registry, createTestEnv()))));
    const built = buildTemplates(info);
    expect([...built.keys()].sort()).toEqual([...registry.types()].sort());
    expect(built.get('Add')?.inputs.map((i) => [i.name, i.socketType, i.widget?.kind])).toEqual([
      ['a', 'INT', undefined],
      ['b', 'INT', 'INT'],
    ]);
  });
});
