import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor } from '@momaflow/engine';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLEND_MODES, blendImages, ImageBlend } from './image-blend';
import { EmptyImage, ImageBatch, ImageCrop, ImagePadForOutpaint } from './image-edit-nodes';
import { byteImage, createTempEnv, runNode, type TempEnv } from './image-test-utils';
import { LoadImageMask } from './load-image-mask';

let temp: TempEnv;
beforeAll(async () => {
  temp = await createTempEnv();
});
afterAll(() => temp.cleanup());

const run = async (def: Parameters<typeof runNode>[0], inputs: Record<string, unknown>) =>
  (await runNode(def, inputs, { env: temp.env })).outputs as Tensor<'float32'>[];
const px = (t: Tensor, n: number, y: number, x: number, c: number) =>
  t.data[((n * t.shape[1]! + y) * t.shape[2]! + x) * t.shape[3]! + c]!;

describe('EmptyImage / ImageCrop / ImageBatch', () => {
  it('fills 0xRRGGBB as RGB in [0, 1]', async () => {
    const [img] = await run(EmptyImage, { width: 3, height: 2, batch_size: 2, color: 0xff8000 });
    expect(img!.shape).toEqual([2, 2, 3, 3]);
    expect([px(img!, 1, 1, 2, 0), px(img!, 1, 1, 2, 1), px(img!, 1, 1, 2, 2)]).toEqual(
      [1, 0x80 / 0xff, 0].map(Math.fround),
    );
  });

  it('crops at (x, y), cut short at the edges and x, y clamped inside', async () => {
    const image = byteImage(5, 6, 3);
    const [out] = await run(ImageCrop, { image, width: 4, height: 10, x: 3, y: 2 });
    expect(out!.shape).toEqual([1, 3, 3, 3]);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++) expect(px(out!, 0, y, x, 1)).toBe(px(image, 0, y + 2, x + 3, 1));
    const [corner] = await run(ImageCrop, { image, width: 4, height: 4, x: 100, y: 100 });
    expect(corner!.shape).toEqual([1, 1, 1, 3]);
  });

  it('joins batches, resizing the second (bilinear, center crop) when sizes differ', async () => {
    const a = byteImage(4, 4, 3);
    const [same] = await run(ImageBatch, { image1: a, image2: byteImage(4, 4, 3, 1) });
    expect(same!.shape).toEqual([2, 4, 4, 3]);
    const [resized] = await run(ImageBatch, { image1: a, image2: Tensor.filled([1, 8, 16, 3], 0.25) });
    expect(resized!.shape).toEqual([2, 4, 4, 3]);
    expect(px(resized!, 1, 2, 2, 0)).toBeCloseTo(0.25, 6);
    await expect(
      run(ImageBatch, { image1: a, image2: Tensor.filled([1, 4, 4, 4], 1) }),
    ).rejects.toMatchObject({
      code: 'invalid_image',
    });
  });
});

describe('ImagePadForOutpaint', () => {
  it('pads with grey and masks the margins, fading ((f - d) / f)^2 into the image from padded sides only', async () => {
    const image = byteImage(10, 12, 3);
    const [padded, mask] = await run(ImagePadForOutpaint, {
      image,
      left: 8,
      top: 0,
      right: 0,
      bottom: 16,
      feathering: 3,
    });
    expect(padded!.shape).toEqual([1, 26, 20, 3]);
    expect(px(padded!, 0, 0, 0, 0)).toBe(0.5);
    expect(px(padded!, 0, 3, 8 + 5, 2)).toBe(px(image, 0, 3, 5, 2));
    const m = (y: number, x: number) => mask!.data[y * 20 + x]!;
    expect(m(20, 0)).toBe(1); // bottom margin
    expect(m(5, 8)).toBeCloseTo(1, 6); // d = 0 from the left side: ((3 - 0) / 3)^2
    expect(m(5, 9)).toBeCloseTo((2 / 3) ** 2, 6);
    expect(m(5, 11)).toBe(0); // d = 3: outside the fade
    expect(m(9, 15)).toBeCloseTo((2 / 3) ** 2, 6); // 1 from the bottom (d = h - i = 1)
    expect(m(0, 15)).toBe(0); // top was not padded: no fade there
  });
});

describe(blendImages.name, () => {
  const a = 0.3;
  const b = 0.8;
  const expected = {
    normal: b,
    multiply: a * b,
    screen: 1 - (1 - a) * (1 - b),
    overlay: 2 * a * b,
    soft_light: a + (2 * b - 1) * (Math.sqrt(a) - a),
    difference: 0, // a - b < 0, clamped after mixing: 0.3 * 0.4 + (-0.5) * 0.6 < 0
  };
  it.each(BLEND_MODES)('%s mixes image1 * (1 - f) + mode * f and clamps to [0, 1]', (mode) => {
    const out = blendImages(Tensor.filled([1, 2, 2, 3], a), Tensor.filled([1, 2, 2, 3], b), {
      factor: 0.6,
      mode,
    });
    const want = mode === 'difference' ? 0 : a * 0.4 + expected[mode] * 0.6;
    expect(out.data[5]).toBeCloseTo(Math.min(1, Math.max(0, want)), 6);
  });

  it('resizes image2 to image1 and broadcasts a single image2', async () => {
    const [out] = await run(ImageBlend, {
      image1: Tensor.filled([2, 4, 4, 3], 0.2),
      image2: Tensor.filled([1, 8, 8, 3], 0.6),
      blend_factor: 0.5,
      blend_mode: 'normal',
    });
    expect(out!.shape).toEqual([2, 4, 4, 3]);
    expect(px(out!, 1, 3, 3, 2)).toBeCloseTo(0.4, 6);
  });
});

describe('LoadImageMask', () => {
  it('reads 1 - alpha for alpha and the channel itself for red / green / blue', async () => {
    const rgba = Uint8Array.from([255, 0, 51, 0, 0, 102, 0, 255]);
    await writeFile(
      join(temp.env.dirs.input, 'm.png'),
      await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const [alpha] = await run(LoadImageMask, { image: 'm.png', channel: 'alpha' });
    expect(alpha!.shape).toEqual([1, 1, 2]);
    expect(Array.from(alpha!.data)).toEqual([1, 0]);
    const [red] = await run(LoadImageMask, { image: 'm.png', channel: 'red' });
    expect(Array.from(red!.data)).toEqual([1, 0]);
    const [blue] = await run(LoadImageMask, { image: 'm.png', channel: 'blue' });
    expect(Array.from(blue!.data)).toEqual([Math.fround(51 / 255), 0]);
  });
});
