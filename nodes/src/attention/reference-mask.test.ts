import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { vaeEncodeCrop } from '../diffusion/image-layout';
import { alignReferenceMask } from './reference-mask';

describe(alignReferenceMask.name, () => {
  it('cuts a mask of the image size as the VAE cuts the image', () => {
    const mask = Tensor.zeros('float32', [1, 10, 19]);
    const crop = vaeEncodeCrop(10, 19);
    mask.data[crop.top * 19 + crop.left] = 1;
    const aligned = alignReferenceMask(mask, 10, 19);
    expect(aligned.mask.shape).toEqual([1, crop.height, crop.width]);
    expect(aligned.mask.data[0]).toBe(1);
    expect(aligned.empty).toBe(false);
  });

  it('resizes a mask of another size to the image and tells an empty one', () => {
    const aligned = alignReferenceMask(Tensor.filled([1, 4, 4], 1), 16, 16);
    expect(aligned.mask.shape).toEqual([1, 16, 16]);
    expect(aligned.empty).toBe(false);
    expect(new Set(aligned.mask.data)).toEqual(new Set([1]));
    expect(alignReferenceMask(Tensor.filled([1, 16, 16], 0.4), 16, 16).empty).toBe(true);
  });
});
