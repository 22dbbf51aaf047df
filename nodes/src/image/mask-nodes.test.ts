import type { Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempEnv, runNode, tensorOf } from './image-test-utils';
import { ImageToMask, InvertMask, MaskToImage } from './mask-nodes';

const { env, cleanup } = await createTempEnv();
afterAll(cleanup);
const run = async (node: Parameters<typeof runNode>[0], inputs: Record<string, unknown>) =>
  (await runNode(node, inputs, { env })).outputs[0] as Tensor<'float32'>;

// 1 x 1 x 2 pixels, RGBA: channel c of pixel p is p * 0.5 + c * 0.1.
const rgba = tensorOf([1, 1, 2, 4], [0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8]);

describe('ImageToMask', () => {
  it.each([
    ['red', [0, 0.5]],
    ['green', [0.1, 0.6]],
    ['blue', [0.2, 0.7]],
    ['alpha', [0.3, 0.8]],
  ])('takes the %s channel', async (channel, expected) => {
    const mask = await run(ImageToMask, { image: rgba, channel });
    expect(mask.shape).toEqual([1, 1, 2]);
    expect(mask.data).toEqual(Float32Array.from(expected));
  });

  it('explains that an RGB image has no alpha channel', async () => {
    const rgb = tensorOf([1, 1, 1, 3], [0.1, 0.2, 0.3]);
    await expect(run(ImageToMask, { image: rgb, channel: 'alpha' })).rejects.toMatchObject({
      code: 'invalid_image',
      message: expect.stringContaining("ImageToMask input 'channel'"),
    });
  });
});

describe('MaskToImage', () => {
  it('repeats the mask into three channels, for [N,H,W] and [H,W] masks', async () => {
    const image = await run(MaskToImage, { mask: tensorOf([2, 1, 1], [0.25, 1]) });
    expect(image.shape).toEqual([2, 1, 1, 3]);
    expect([...image.data]).toEqual([0.25, 0.25, 0.25, 1, 1, 1]);
    expect((await run(MaskToImage, { mask: tensorOf([1, 2], [0, 0.5]) })).shape).toEqual([1, 1, 2, 3]);
  });

  it('rejects an IMAGE passed as MASK, naming the input', async () => {
    await expect(run(MaskToImage, { mask: rgba })).rejects.toMatchObject({
      code: 'invalid_mask',
      message: expect.stringContaining("MaskToImage input 'mask'"),
    });
  });
});

describe('InvertMask', () => {
  it('computes 1 - mask exactly and leaves the input alone', async () => {
    const mask = tensorOf([1, 2, 2], [0, 1, 0.25, 0.6]);
    const inverted = await run(InvertMask, { mask });
    expect(inverted.shape).toEqual([1, 2, 2]);
    expect(inverted.data).toEqual(Float32Array.from([1, 0, 0.75, Math.fround(1 - Math.fround(0.6))]));
    expect(mask.data[0]).toBe(0);
    expect((await run(InvertMask, { mask: inverted })).data).toEqual(mask.data);
  });
});
