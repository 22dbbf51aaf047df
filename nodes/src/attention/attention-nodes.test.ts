import { EngineError, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadUnet, type ModelPatch, type UnetModel, withPatch } from '../models/unet';
import { fixturePath } from '../models/unet/test-fixtures';
import { attentionMapPatch } from './attention-map-patch';
import { GeneratedMask } from './generated-mask-node';
import { injectionMaskFrom } from './injection-inputs';
import { generatedMaskSource, uniquePatchId } from './patch-lookup';

let base: UnetModel;
beforeAll(async () => {
  base = await loadUnet(fixturePath('tiny-sd'));
});

const ctx = {
  nodeId: '1',
  promptId: 'test',
  source: {},
  signal: new AbortController().signal,
  log: SILENT_LOGGER,
  env: undefined as never,
  progress: () => {},
};

async function generated(masks: Record<string, Tensor<'float32'>> | undefined, source = '') {
  const samples = Tensor.zeros('float32', [1, 4, 2, 3]);
  const out = await GeneratedMask.run(ctx, {
    samples: masks === undefined ? { samples } : { samples, masks },
    source,
  });
  if (!Array.isArray(out)) throw new Error('expected plain outputs');
  return out[0];
}

describe('GeneratedMask', () => {
  it('turns the latent mask into a MASK at image size, each latent position covering 8 x 8 pixels', async () => {
    const mask = new Tensor('float32', [1, 1, 2, 3], Float32Array.of(0, 0.5, 1, 1, 0, 0.25));
    const out = await generated({ 'moma-map': mask });
    expect(out.shape).toEqual([1, 16, 24]);
    expect([out.data[0], out.data[8], out.data[16], out.data[8 * 24], out.data[15 * 24 + 23]]).toEqual([
      0, 0.5, 1, 1, 0.25,
    ]);
    expect((await generated({ a: mask, b: Tensor.filled([1, 1, 2, 3], 1) }, 'b')).data[0]).toBe(1);
  });

  it.each([
    ['no mask', undefined, ''],
    [
      'several masks and no source',
      { a: Tensor.zeros('float32', [1, 1, 2, 3]), b: Tensor.zeros('float32', [1, 1, 2, 3]) },
      '',
    ],
    ['an unknown source', { a: Tensor.zeros('float32', [1, 1, 2, 3]) }, 'nope'],
  ])('refuses a latent with %s', async (_what, masks, source) => {
    const err = await generated(masks, source).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('no_generated_mask');
  });
});

describe(uniquePatchId.name, () => {
  it('numbers a patch id the model already has', () => {
    const noop: ModelPatch = {
      id: 'image-prompt',
      signature: 'x',
      appliesTo: () => false,
      apply: () => ({}),
    };
    expect(uniquePatchId(base, 'image-prompt')).toBe('image-prompt');
    const once = withPatch(base, noop);
    expect(uniquePatchId(once, 'image-prompt')).toBe('image-prompt-2');
    expect(uniquePatchId(withPatch(once, { ...noop, id: 'image-prompt-2' }), 'image-prompt')).toBe(
      'image-prompt-3',
    );
  });
});

describe(injectionMaskFrom.name, () => {
  it("needs a mask for 'mask' and a mask-making patch for 'generated', naming the node", () => {
    const node = 'ImagePromptAttention';
    expect(() => injectionMaskFrom({ node, model: base, source: 'mask', mask: undefined })).toThrow(
      expect.objectContaining({ code: 'missing_input' }),
    );
    expect(() => injectionMaskFrom({ node, model: base, source: 'generated', mask: undefined })).toThrow(
      expect.objectContaining({ code: 'no_mask_source' }),
    );
    const map = attentionMapPatch({
      id: 'map',
      points: base.hookPoints,
      layers: 'up',
      subjectTokenIds: [1],
      threshold: 0.2,
    });
    const mask = injectionMaskFrom({
      node,
      model: withPatch(base, map),
      source: 'generated',
      mask: undefined,
    });
    expect(mask.kind === 'generated' && mask.source).toBe(generatedMaskSource(withPatch(base, map), node));
  });
});
