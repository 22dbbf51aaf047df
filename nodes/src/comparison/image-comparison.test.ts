import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { createTempEnv, runNode } from '../image/image-test-utils';
import { ImageComparison } from './image-comparison';

const solid = (h: number, w: number, rgb: readonly number[]) =>
  new Tensor(
    'float32',
    [1, h, w, 3],
    Float32Array.from({ length: h * w * 3 }, (_, i) => rgb[i % 3]!),
  );

describe(ImageComparison.type, () => {
  it('puts the images in a row under their captions, scaling to the first one’s height', async () => {
    const { env, cleanup } = await createTempEnv();
    try {
      const { outputs } = await runNode(
        ImageComparison,
        {
          image_1: solid(40, 50, [1, 0, 0]),
          image_2: solid(20, 30, [0, 0, 1]),
          labels: 'MoMA\nIP-Adapter',
          label_height: 24,
          spacing: 6,
        },
        { env },
      );
      const out = outputs[0] as Tensor<'float32'>;
      expect(out.shape).toEqual([1, 64, 50 + 6 + 60, 3]);
      const at = (y: number, x: number) =>
        Array.from(out.data.slice((y * 116 + x) * 3, (y * 116 + x) * 3 + 3));
      expect(at(30, 10)).toEqual([1, 0, 0]);
      expect(at(63, 115)).toEqual([0, 0, 1]);
      expect(at(30, 53)).toEqual([1, 1, 1]);
      // Each caption darkened some of its strip, and only there.
      for (const [x0, w] of [
        [0, 50],
        [56, 60],
      ] as const) {
        let dark = 0;
        for (let y = 0; y < 24; y++) for (let x = x0; x < x0 + w; x++) if (at(y, x)[0]! < 0.5) dark++;
        expect(dark).toBeGreaterThan(10);
      }
    } finally {
      await cleanup();
    }
  });

  it('names the input that is not an RGB image', async () => {
    const { env, cleanup } = await createTempEnv();
    try {
      const mask = new Tensor('float32', [1, 8, 8], new Float32Array(64));
      await expect(
        runNode(ImageComparison, { image_1: mask, labels: '', label_height: 24, spacing: 0 }, { env }),
      ).rejects.toThrow(/ImageComparison input 'image_1': expected an IMAGE \[B, H, W, 3\], got \[1, 8, 8\]/);
    } finally {
      await cleanup();
    }
  });
});
