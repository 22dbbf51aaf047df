import { Tensor } from '@momaflow/engine';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodePng } from './encode-png';
import { readPngText } from './png-text-chunks';

/** The PNG's stored channel count, and its pixels as sharp decodes them (grey expanded to RGB). */
async function bytesOf(
  png: Buffer,
): Promise<{ data: number[]; channels: number; width: number; height: number }> {
  const meta = await sharp(png).metadata();
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data: [...data], channels: meta.channels, width: info.width, height: info.height };
}

describe(encodePng.name, () => {
  it('quantises to the nearest 8-bit level and clamps out-of-range and NaN values', async () => {
    const values = [0.5, 0.998, -0.2, 1.7, Number.NaN, 1 / 255];
    const png = await encodePng(new Tensor('float32', [1, 1, 2, 3], Float32Array.from(values)));
    expect(await bytesOf(png)).toEqual({ data: [128, 254, 0, 255, 0, 1], channels: 3, width: 2, height: 1 });
  });

  it('encodes the requested batch item, grey and grey+alpha too, with text', async () => {
    const batch = new Tensor('float32', [2, 1, 1, 3], Float32Array.from([0, 0, 0, 1, 0.6, 0.2]));
    expect((await bytesOf(await encodePng(batch, { index: 1 }))).data).toEqual([255, 153, 51]);
    const grey = await encodePng(new Tensor('float32', [1, 1, 2, 1], Float32Array.from([0.2, 0.8])));
    expect(await bytesOf(grey)).toEqual({
      data: [51, 51, 51, 204, 204, 204],
      channels: 1,
      width: 2,
      height: 1,
    });
    const greyAlpha = await encodePng(new Tensor('float32', [1, 1, 1, 2], Float32Array.from([0.4, 0.6])), {
      text: { note: 'hi' },
    });
    expect(await bytesOf(greyAlpha)).toEqual({
      data: [102, 102, 102, 153],
      channels: 2,
      width: 1,
      height: 1,
    });
    expect(readPngText(greyAlpha)).toEqual({ note: 'hi' });
  });

  it.each([
    [[1, 2, 2], 0],
    [[1, 2, 2, 5], 0],
    [[1, 0, 2, 3], 0],
    [[2, 2, 2, 3], 2],
  ])('rejects shape %j / index %i with invalid_image', async (shape, index) => {
    await expect(encodePng(Tensor.zeros('float32', shape), { index })).rejects.toMatchObject({
      code: 'invalid_image',
    });
  });
});
