/**
 * @module
 * A reference MASK lined up with the reference image as the VAE encodes it: a mask of another size is
 * resized to the image first (nearest neighbour, so it stays binary), then cut as the image is cut to
 * multiples of 8 (`vaeEncodeCrop`), so mask pixels and latent positions cover the same pixels.
 */
import { Tensor } from '@momaflow/engine';
import { vaeEncodeCrop } from '../diffusion/image-layout';
import { resample } from '../image/resample';

/** A reference mask over the encoded part of the image. */
export interface AlignedReferenceMask {
  /** [1, H', W']: the encoded region's size. */
  readonly mask: Tensor<'float32'>;
  /** Whether no pixel is kept (none reaches 0.5). */
  readonly empty: boolean;
}

/**
 * Mask 0 of a MASK batch [N, H, W] lined up with a height x width image.
 * @example
 * const { mask, empty } = alignReferenceMask(mask, 512, 512);
 */
export function alignReferenceMask(
  mask: Tensor<'float32'>,
  height: number,
  width: number,
): AlignedReferenceMask {
  const [, mh = 0, mw = 0] = mask.shape;
  const first = new Tensor('float32', [1, mh, mw, 1], mask.data.subarray(0, mh * mw));
  const full =
    mh === height && mw === width ? first : resample(first, { width, height, method: 'nearest-exact' });
  const crop = vaeEncodeCrop(height, width);
  const out = Tensor.zeros('float32', [1, crop.height, crop.width]);
  let empty = true;
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const v = full.data[(y + crop.top) * width + x + crop.left]!;
      out.data[y * crop.width + x] = v;
      if (v >= 0.5) empty = false;
    }
  }
  return { mask: out, empty };
}
