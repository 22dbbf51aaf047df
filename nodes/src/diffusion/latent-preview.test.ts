import { Tensor } from '@momaflow/engine';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { latentPreview, latentToRgb, SD15_LATENT_RGB_FACTORS } from './latent-preview';

describe(latentToRgb.name, () => {
  it("projects each channel with ComfyUI's SD1.5 factors and casts (v + 1) / 2 to bytes", () => {
    const latent = Tensor.zeros('float32', [1, 4, 1, 2]);
    latent.data[0] = 1; // channel 0, pixel 0
    latent.data[2 * 2 + 1] = -4; // channel 2, pixel 1
    const { width, height, rgb } = latentToRgb(latent);
    expect([width, height]).toEqual([2, 1]);
    const byte = (v: number) => Math.trunc(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
    const [r0, g0, b0] = SD15_LATENT_RGB_FACTORS[0]!;
    const [r2, g2, b2] = SD15_LATENT_RGB_FACTORS[2]!;
    expect(Array.from(rgb)).toEqual([
      byte(r0),
      byte(g0),
      byte(b0),
      byte(-4 * r2),
      byte(-4 * g2),
      byte(-4 * b2),
    ]);
  });

  it('uses the first latent of a batch', () => {
    const latent = Tensor.zeros('float32', [2, 4, 1, 1]);
    latent.data.fill(5, 4);
    expect(Array.from(latentToRgb(latent).rgb)).toEqual([127, 127, 127]);
  });

  it('refuses latents without 4 channels', () => {
    expect(() => latentToRgb(Tensor.zeros('float32', [1, 3, 2, 2]))).toThrow(/\[batch, 4, h, w\]/);
  });
});

describe(latentPreview.name, () => {
  it('is a JPEG at latent resolution', async () => {
    const preview = await latentPreview(Tensor.filled([1, 4, 6, 10], 0.5));
    expect(preview.format).toBe('JPEG');
    expect(Array.from(preview.bytes.slice(0, 2))).toEqual([0xff, 0xd8]);
    const meta = await sharp(preview.bytes).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([10, 6, 'jpeg']);
  });
});
