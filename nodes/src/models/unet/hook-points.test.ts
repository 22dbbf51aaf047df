import { describe, expect, it } from 'vitest';
import { featureExtent, listHookPoints } from './hook-points';
import { loadUnet } from './load-unet';
import { fixturePath, readVectorsJson } from './test-fixtures';
import { SD15_UNET_CONFIG } from './unet-config';
import { unetLayout } from './unet-layout';

describe(listHookPoints.name, () => {
  it.each(['tiny-sd', 'tiny-sd.safetensors'])(
    "lists %s's attention layers as diffusers' attn_processors (moma.attn_processor_names)",
    async (rel) => {
      const names = await readVectorsJson('moma.attn_processor_names');
      if (!Array.isArray(names)) throw new Error('moma.attn_processor_names is not a list');
      const model = await loadUnet(fixturePath(rel));
      expect(model.hookPoints.map((p) => p.id)).toEqual(
        names.map((n) => String(n).replace(/\.processor$/, '')),
      );
      expect(model.hookPoints.map((p) => p.order)).toEqual(names.map((_, i) => i));
    },
  );

  const sd15 = listHookPoints(unetLayout(SD15_UNET_CONFIG));

  it('has the 32 attention layers of SD1.5, self and cross alternating', () => {
    expect(sd15).toHaveLength(32);
    expect(sd15.filter((p) => p.kind === 'self')).toHaveLength(16);
    expect(sd15.map((p) => p.kind)).toEqual(sd15.map((_, i) => (i % 2 === 0 ? 'self' : 'cross')));
  });

  it.each([
    [0, 'down_blocks.0.attentions.0.transformer_blocks.0.attn1', 'down', 0, 0, 'self', 1, 320, 320],
    [5, 'down_blocks.1.attentions.0.transformer_blocks.0.attn2', 'down', 1, 0, 'cross', 2, 640, 768],
    [11, 'down_blocks.2.attentions.1.transformer_blocks.0.attn2', 'down', 2, 1, 'cross', 4, 1280, 768],
    [12, 'up_blocks.1.attentions.0.transformer_blocks.0.attn1', 'up', 1, 0, 'self', 4, 1280, 1280],
    [23, 'up_blocks.2.attentions.2.transformer_blocks.0.attn2', 'up', 2, 2, 'cross', 2, 640, 768],
    [29, 'up_blocks.3.attentions.2.transformer_blocks.0.attn2', 'up', 3, 2, 'cross', 1, 320, 768],
    [30, 'mid_block.attentions.0.transformer_blocks.0.attn1', 'mid', 0, 0, 'self', 8, 1280, 1280],
    [31, 'mid_block.attentions.0.transformer_blocks.0.attn2', 'mid', 0, 0, 'cross', 8, 1280, 768],
  ] as const)(
    'SD1.5 point %i is %s',
    (order, id, block, blockIndex, attentionIndex, kind, resolution, channels, contextChannels) => {
      expect(sd15[order]).toEqual({
        id,
        order,
        block,
        blockIndex,
        attentionIndex,
        transformerIndex: 0,
        kind,
        resolution,
        heads: 8,
        channels,
        contextChannels,
      });
    },
  );

  it('gives one point per transformer block when depth > 1', () => {
    const points = listHookPoints(
      unetLayout({ ...SD15_UNET_CONFIG, transformerLayersPerBlock: [1, 1, 2, 2] }),
    );
    expect(points).toHaveLength(32 + 2 * (2 + 3 + 1));
    expect(points.map((p) => p.id)).toContain('mid_block.attentions.0.transformer_blocks.1.attn2');
  });
});

describe(featureExtent.name, () => {
  it.each([
    [64, 1, 64],
    [64, 8, 8],
    [9, 2, 5],
    [9, 4, 3],
    [1, 8, 1],
  ])('a latent of %i is %i / resolution %i -> %i', (size, resolution, extent) => {
    expect(featureExtent(size, resolution)).toBe(extent);
  });
});
