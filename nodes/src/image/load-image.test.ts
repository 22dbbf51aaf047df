import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Tensor } from '@momaflow/engine';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeImageFile } from './decode-image';
import { createTempEnv, firstDifference, fixturesDir, runNode, type TempEnv } from './image-test-utils';
import { listInputImages } from './list-input-images';
import { LoadImage } from './load-image';

let t: TempEnv;
beforeEach(async () => {
  t = await createTempEnv();
});
afterEach(async () => {
  await t.cleanup();
});

const input = (name: string) => join(t.env.dirs.input, name);

async function load(name: string): Promise<{ image: Tensor<'float32'>; mask: Tensor<'float32'> }> {
  const { outputs } = await runNode(LoadImage, { image: name }, { env: t.env });
  return { image: outputs[0] as Tensor<'float32'>, mask: outputs[1] as Tensor<'float32'> };
}

/** Solid 16x16 blocks, so JPEG compression keeps each block's centre colour. */
function blocks(
  colours: readonly (readonly number[])[][],
  size = 16,
): { data: Buffer; width: number; height: number } {
  const height = colours.length * size;
  const width = colours[0]!.length * size;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      data.set(colours[Math.floor(y / size)]![Math.floor(x / size)]!, (y * width + x) * 3);
  return { data, width, height };
}

const pixel = (image: Tensor<'float32'>, x: number, y: number) => {
  const [, , width = 0] = image.shape;
  const at = (y * width + x) * 3;
  return [...image.data.slice(at, at + 3)].map((v) => Math.round(v * 255));
};

describe('LoadImage', () => {
  it('applies EXIF orientation 6 so a rotated JPEG comes out upright', async () => {
    const [R, G, B, W, K, M] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [255, 255, 255],
      [0, 0, 0],
      [255, 0, 255],
    ];
    const stored = blocks([
      [R!, G!, B!],
      [W!, K!, M!],
    ]);
    const jpeg = await sharp(stored.data, {
      raw: { width: stored.width, height: stored.height, channels: 3 },
    })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    await writeFile(input('rotated.jpg'), jpeg);
    const { image, mask } = await load('rotated.jpg');
    expect(image.shape).toEqual([1, 48, 32, 3]);
    expect(mask.shape).toEqual([1, 48, 32]);
    // Orientation 6 = rotate 90 degrees clockwise for display: the bottom-left block ends up top-left.
    const expected = [
      [W, R],
      [K, G],
      [M, B],
    ];
    for (let by = 0; by < 3; by++)
      for (let bx = 0; bx < 2; bx++) {
        pixel(image, bx * 16 + 8, by * 16 + 8).forEach((v, c) => {
          expect(Math.abs(v - expected[by]![bx]![c]!)).toBeLessThan(8);
        });
      }
  });

  it('outputs RGB exactly as k/255 and MASK = 1 - alpha for an RGBA PNG', async () => {
    const rgba = Buffer.from(Array.from({ length: 4 * 3 * 4 }, (_, i) => (i * 53 + 7) % 256));
    rgba[3] = 0;
    rgba[7] = 255;
    await writeFile(
      input('alpha.png'),
      await sharp(rgba, { raw: { width: 4, height: 3, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const { image, mask } = await load('alpha.png');
    expect(image.shape).toEqual([1, 3, 4, 3]);
    const rgb = Float32Array.from({ length: 36 }, (_, i) => rgba[Math.floor(i / 3) * 4 + (i % 3)]! / 255);
    expect(image.data).toEqual(rgb);
    const alpha = Float32Array.from({ length: 12 }, (_, p) => rgba[p * 4 + 3]! / 255);
    expect(mask.data).toEqual(alpha.map((a) => 1 - a));
    expect(mask.data[0]).toBe(1);
    expect(mask.data[1]).toBe(0);
  });

  it('gives zeros of the image size as MASK without alpha, and grey as RGB', async () => {
    const grey = Buffer.from([0, 60, 120, 180, 240, 255]);
    await writeFile(
      input('grey.png'),
      await sharp(grey, { raw: { width: 3, height: 2, channels: 1 } })
        .png()
        .toBuffer(),
    );
    const { image, mask } = await load('grey.png');
    expect(image.data).toEqual(Float32Array.from({ length: 18 }, (_, i) => grey[Math.floor(i / 3)]! / 255));
    expect(mask.shape).toEqual([1, 2, 3]);
    expect([...mask.data]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('keeps 16-bit PNG precision and reads lossless WebP', async () => {
    const u16 = new Uint16Array([0, 1, 65535, 257, 32768, 12345]);
    const png16 = await sharp(u16, { raw: { width: 2, height: 1, channels: 3 } })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    await writeFile(input('deep.png'), png16);
    expect((await load('deep.png')).image.data).toEqual(Float32Array.from(u16, (v) => v / 65535));

    const rgba = Buffer.from([10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255]);
    const webp = await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } })
      .webp({ lossless: true, exact: true })
      .toBuffer();
    await writeFile(input('pic.webp'), webp);
    const { image, mask } = await load('pic.webp');
    expect(image.data).toEqual(Float32Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90], (v) => v / 255));
    expect(mask.data).toEqual(Float32Array.from([0, 128, 255], (a) => a / 255).map((a) => 1 - a));
  });

  it('decodes the real photos in the shared fixtures', async () => {
    for (const name of ['cat_00.jpg', 'cat_00_mask.jpg']) {
      const path = join(fixturesDir(), 'images', name);
      const { image, mask, hasAlpha } = await decodeImageFile(path);
      const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
      expect(image.shape).toEqual([1, info.height, info.width, 3]);
      expect(mask.shape).toEqual([1, info.height, info.width]);
      expect(hasAlpha).toBe(false);
      expect(
        firstDifference(
          image.data,
          Float32Array.from(data, (v) => v / 255),
        ),
      ).toBeUndefined();
    }
    // Through the node too (a copy in the temp input folder; a link out of it would be refused).
    await copyFile(join(fixturesDir(), 'images', 'cat_00.jpg'), input('cat.jpg'));
    const { image } = await load('cat.jpg');
    const mean = image.data.reduce((a, b) => a + b, 0) / image.size;
    expect(mean).toBeGreaterThan(0.05);
    expect(mean).toBeLessThan(0.95);
  });

  it.each([
    [
      'corrupt.png',
      'image_decode_failed',
      async () => writeFile(input('corrupt.png'), 'definitely not an image'),
    ],
    [
      'truncated.png',
      'image_decode_failed',
      async () => {
        const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
          .png()
          .toBuffer();
        await writeFile(input('truncated.png'), png.subarray(0, png.length - 30));
      },
    ],
    ['missing.png', 'file_not_found', async () => {}],
    ['../escape.png', 'invalid_path', async () => writeFile(join(t.root, 'escape.png'), 'x')],
    ['/etc/passwd.png', 'invalid_path', async () => {}],
    [
      'link.png',
      'path_outside_folder',
      async () => {
        await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } })
          .png()
          .toFile(join(t.root, 'outside.png'));
        await symlink(join(t.root, 'outside.png'), input('link.png'));
      },
    ],
  ])('rejects %s with EngineError %s naming the input and the file', async (name, code, prepare) => {
    await prepare();
    const error = await load(name).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'EngineError', code });
    expect((error as Error).message).toContain("LoadImage input 'image'");
    expect((error as Error).message).toContain(name);
    const problems = await LoadImage.validate?.({ values: { image: name }, env: t.env });
    if (code === 'image_decode_failed')
      expect(problems).toEqual([]); // exists and is inside: decoding fails later
    else
      expect(problems).toEqual([
        expect.objectContaining({ input: 'image', message: expect.stringContaining(name) }),
      ]);
  });

  it('follows a symlink that stays inside the input folder', async () => {
    await mkdir(input('sub'));
    await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } })
      .png()
      .toFile(input('sub/real.png'));
    await symlink(input('sub/real.png'), input('alias.png'));
    expect((await load('alias.png')).image.shape).toEqual([1, 2, 2, 3]);
  });

  it('fingerprints the file content with sha256, so editing the file changes it', async () => {
    const fingerprint = () => LoadImage.fingerprint?.({ values: { image: 'a.png' }, env: t.env });
    const write = (colour: string) =>
      sharp({ create: { width: 4, height: 4, channels: 3, background: colour } })
        .png()
        .toFile(input('a.png'));
    await write('#102030');
    const first = await fingerprint();
    expect(first).toBe(
      createHash('sha256')
        .update(await readFile(input('a.png')))
        .digest('hex'),
    );
    expect(await fingerprint()).toBe(first);
    await write('#102031');
    expect(await fingerprint()).not.toBe(first);
    await expect(
      LoadImage.fingerprint?.({ values: { image: 'gone.png' }, env: t.env }),
    ).rejects.toMatchObject({
      code: 'file_not_found',
    });
  });
});

describe(listInputImages.name, () => {
  it('lists image files recursively as sorted POSIX paths, skipping others, hidden ones and links out', async () => {
    await mkdir(input('b/deep'), { recursive: true });
    await mkdir(input('.thumbs'));
    for (const name of [
      'z.png',
      'a.JPG',
      'b/deep/c.webp',
      'b/d.jpeg',
      'notes.txt',
      '.hidden.png',
      '.thumbs/t.png',
    ]) {
      await writeFile(input(name), 'x');
    }
    await writeFile(join(t.root, 'outside.png'), 'x');
    await symlink(join(t.root, 'outside.png'), input('out-link.png'));
    await symlink(input('z.png'), input('in-link.png'));
    await symlink(t.root, input('loop'));
    expect(await listInputImages(t.env.dirs.input)).toEqual([
      'a.JPG',
      'b/d.jpeg',
      'b/deep/c.webp',
      'in-link.png',
      'z.png',
    ]);
    expect(await listInputImages(join(t.root, 'does-not-exist'))).toEqual([]);
  });
});
