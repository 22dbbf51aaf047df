import { describe, expect, it } from 'vitest';
import { parseSegmentModelConfig, presetForFile, resolveSegmentSettings } from './segment-model-config';

describe(presetForFile.name, () => {
  it.each([
    ['isnet-general-use.onnx', 'isnet'],
    ['isnet.onnx', 'isnet'],
    ['DIS-isnet_fp16.onnx', 'isnet'],
    ['u2net.onnx', 'u2net'],
    ['u2netp.onnx', 'u2net'],
    ['u2net_human_seg.onnx', 'u2net'],
    ['silueta.onnx', 'u2net'],
    ['BiRefNet-general-epoch_244.onnx', 'birefnet'],
    ['birefnet-portrait.onnx', 'birefnet'],
    ['modnet.onnx', undefined],
    ['discord-bot.onnx', undefined],
  ])('%s -> %s', (name, preset) => {
    expect(presetForFile(name)).toBe(preset);
  });
});

describe(resolveSegmentSettings.name, () => {
  it('takes the preset matched by name when there is no config', () => {
    const s = resolveSegmentSettings({
      fileName: 'u2netp.onnx',
      config: undefined,
      configName: 'u2netp.json',
    });
    expect(s).toMatchObject({
      inputSize: undefined,
      presetInputSize: { height: 320, width: 320 },
      mean: [0.485, 0.456, 0.406],
      activation: 'none',
      normalize: 'minmax',
      output: 0,
      channelOrder: 'rgb',
      origin: "preset 'u2net'",
    });
  });

  it('lets the file name a preset and override fields, whatever the model is called', () => {
    const config = parseSegmentModelConfig(
      { preset: 'birefnet', inputSize: [768, 1024], output: 'logits', channelOrder: 'bgr' },
      'mine.json',
    );
    const s = resolveSegmentSettings({ fileName: 'mine.onnx', config, configName: 'mine.json' });
    expect(s).toMatchObject({
      inputSize: { height: 768, width: 1024 },
      activation: 'sigmoid',
      output: 'logits',
      channelOrder: 'bgr',
      origin: 'mine.json',
    });
  });

  it('says which fields a config without a preset lacks', () => {
    const config = parseSegmentModelConfig({ mean: [0, 0, 0], std: [1, 1, 1] }, 'x.json');
    expect(() => resolveSegmentSettings({ fileName: 'x.onnx', config, configName: 'x.json' })).toThrow(
      /x\.json does not set activation, normalize/,
    );
  });

  it.each([
    [{ std: [1, 0, 1] }, 'std'],
    [{ inputSize: 4 }, 'inputSize'],
    [{ preset: 'sam' }, 'preset'],
    [{ output: -1 }, 'output'],
    [{ activation: 'softmax' }, 'activation'],
  ])('rejects %j naming the field', (json, field) => {
    expect(() => parseSegmentModelConfig(json, 'bad.json')).toThrow(
      expect.objectContaining({
        code: 'invalid_model_config',
        message: expect.stringContaining(`'${field}`),
      }),
    );
  });
});
