import { describe, expect, it } from 'vitest';
import {
  CLIP_VIT_H14,
  CLIP_VIT_L14_336,
  type ClipVisionConfig,
  clipVisionConfigFromShapes,
} from './clip-vision-config';

/** The shapes a bare weight file of `c` shows. */
const shapesOf = (c: ClipVisionConfig) => ({
  hiddenSize: c.hiddenSize,
  patchSize: c.patchSize,
  numChannels: c.numChannels,
  positions: (c.imageSize / c.patchSize) ** 2 + 1,
  layers: c.layers,
  intermediateSize: c.intermediateSize,
});

describe(clipVisionConfigFromShapes.name, () => {
  it.each([
    ['ViT-L/14-336 (LLaVA, MoMA)', CLIP_VIT_L14_336, 577],
    ['ViT-H/14 (the SD1.5 IP-Adapters)', CLIP_VIT_H14, 257],
  ])('recognises %s from a bare file', (_, config, positions) => {
    expect(shapesOf(config).positions).toBe(positions);
    expect(clipVisionConfigFromShapes(shapesOf(config), 'tower.safetensors')).toBe(config);
  });

  it('refuses other shapes, naming the file', () => {
    expect(() =>
      clipVisionConfigFromShapes({ ...shapesOf(CLIP_VIT_H14), layers: 31 }, 'odd.safetensors'),
    ).toThrow(
      expect.objectContaining({
        code: 'unsupported_model_config',
        message: expect.stringContaining('odd.safetensors'),
      }),
    );
  });
});
