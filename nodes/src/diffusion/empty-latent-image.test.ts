import { describe, expect, it } from 'vitest';
import { EmptyLatentImage, emptyLatent } from './empty-latent-image';

describe(emptyLatent.name, () => {
  it('is a zero [batch, 4, height / 8, width / 8] latent, sizes floored', () => {
    const { samples } = emptyLatent({ width: 100, height: 64, batch: 3 });
    expect(samples.shape).toEqual([3, 4, 8, 12]);
    expect(samples.data.every((v) => v === 0)).toBe(true);
  });

  it("offers ComfyUI's widgets", () => {
    expect(EmptyLatentImage.inputs.width).toMatchObject({ default: 512, min: 16, step: 8 });
    expect(EmptyLatentImage.inputs.batch_size).toMatchObject({ default: 1, min: 1 });
  });
});
