import type { Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { commonUpscale, roundHalfEven } from './common-upscale';
import { ImageScale, scaledSize } from './image-scale';
import { byteImage, createTempEnv, runNode, tensorOf } from './image-test-utils';

const { env, cleanup } = await createTempEnv();
afterAll(cleanup);
const scale = async (inputs: Record<string, unknown>) =>
  (await runNode(ImageScale, { upscale_method: 'nearest-exact', crop: 'disabled', ...inputs }, { env }))
    .outputs[0] as Tensor<'float32'>;

/** A one-channel-per-pixel image whose value is its column index (x) + 10 * row (y). */
const indexed = (height: number, width: number) =>
  tensorOf(
    [1, height, width, 1],
    Array.from({ length: height * width }, (_, i) => (i % width) + 10 * Math.floor(i / width)),
  );

describe(roundHalfEven.name, () => {
  it.each([
    [2.5, 2],
    [3.5, 4],
    [0.5, 0],
    [1.4999, 1],
    [2.6, 3],
    [7, 7],
  ])('rounds %d like Python to %d', (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });
});

describe(scaledSize.name, () => {
  it.each([
    [100, 50, 0, 25, { width: 50, height: 25 }],
    [100, 50, 30, 0, { width: 30, height: 15 }],
    [5, 2, 0, 1, { width: 2, height: 1 }], // round(2.5) = 2 in Python
    [7, 2, 0, 1, { width: 4, height: 1 }], // round(3.5) = 4
    [1000, 1, 0, 0, { width: 1000, height: 1 }],
    [1000, 1, 4, 0, { width: 4, height: 1 }], // never below 1
    [64, 48, 32, 32, { width: 32, height: 32 }],
  ])('%ix%i with width %i, height %i -> %j', (w, h, width, height, expected) => {
    expect(scaledSize(w, h, width, height)).toEqual(expected);
  });
});

describe('ImageScale', () => {
  it('keeps the aspect ratio when one side is 0', async () => {
    const out = await scale({ image: byteImage(6, 8, 3), width: 0, height: 3, upscale_method: 'area' });
    expect(out.shape).toEqual([1, 3, 4, 3]);
    const tall = await scale({ image: byteImage(6, 8, 3), width: 4, height: 0, upscale_method: 'bilinear' });
    expect(tall.shape).toEqual([1, 3, 4, 3]);
  });

  it('returns the input unchanged when both sides are 0', async () => {
    const image = byteImage(3, 3, 3);
    expect(await scale({ image, width: 0, height: 0 })).toBe(image);
  });

  it('center-crops to the target aspect before resizing (ComfyUI offsets)', async () => {
    // 2x4 -> 2x2: old aspect 2 > 1, x = round((4 - 4 * 0.5) / 2) = 1, so columns 1..2 remain.
    const wide = await scale({ image: indexed(2, 4), width: 2, height: 2, crop: 'center' });
    expect([...wide.data]).toEqual([1, 2, 11, 12]);
    // 5 rows x 2 columns -> 2x2: old aspect 0.4 < 1, y = round((5 - 5 * 0.4) / 2) = round(1.5) = 2
    // (Python rounding), leaving row 2 alone, which is then stretched to two rows.
    const tall = await scale({ image: indexed(5, 2), width: 2, height: 2, crop: 'center' });
    expect(tall.shape).toEqual([1, 2, 2, 1]);
    expect([...tall.data]).toEqual([20, 21, 20, 21]);
    // Without crop the same call stretches: nearest-exact rows floor((o + 0.5) * 2.5) = 1, 3.
    const stretched = await scale({ image: indexed(5, 2), width: 2, height: 2 });
    expect([...stretched.data]).toEqual([10, 11, 30, 31]);
  });

  it('crops identically through commonUpscale for any method', () => {
    const image = indexed(2, 4);
    const out = commonUpscale(image, { width: 2, height: 2, method: 'area', crop: 'center' });
    expect([...out.data]).toEqual([1, 2, 11, 12]);
  });

  it('clamps bicubic and lanczos overshoot to [0,1] but leaves bilinear exact', async () => {
    const step = tensorOf([1, 1, 4, 1], [0, 0, 1, 1]);
    for (const upscale_method of ['bicubic', 'lanczos']) {
      const out = await scale({ image: step, width: 16, height: 1, upscale_method });
      expect(Math.min(...out.data)).toBe(0);
      expect(Math.max(...out.data)).toBe(1);
      expect(out.data.some((v) => v > 0 && v < 1)).toBe(true);
    }
    const linear = await scale({
      image: tensorOf([1, 1, 2, 1], [0, 1]),
      width: 4,
      height: 1,
      upscale_method: 'bilinear',
    });
    expect([...linear.data]).toEqual([0, 0.25, 0.75, 1]);
  });

  it('rejects a non-IMAGE input, naming the node input', async () => {
    await expect(scale({ image: tensorOf([2, 2], [0, 0, 0, 0]), width: 4, height: 4 })).rejects.toMatchObject(
      {
        code: 'invalid_image',
        message: expect.stringContaining("ImageScale input 'image'"),
      },
    );
  });
});
