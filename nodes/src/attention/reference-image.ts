/**
 * @module
 * The reference image as a reference pass takes it: the first of the batch, resized to size x size as
 * MoMA's evaluation code does (`transforms.Resize((512, 512))`, whose PIL filter antialiases; here
 * lanczos, clamped to [0, 1]). The reference pass attends over every latent position at full
 * resolution, so a photo at its own size (a 1282 x 1282 reference is a 160 x 160 latent, 25,600
 * positions) would cost far more than the image being generated.
 */
import type { Logger } from '@momaflow/engine';
import { Tensor } from '@momaflow/engine';
import { resample } from '../image/resample';
import { requireImage, requireMask } from '../image/tensor-checks';
import { type AlignedReferenceMask, alignReferenceMask } from './reference-mask';

/** The widget's default and bounds. */
export const REFERENCE_SIZE = { default: 512, min: 0, max: 2048, step: 8 } as const;

/**
 * Image 0 of an IMAGE batch, resized to size x size; at its own size when `size` is 0.
 * @example
 * const reference = referenceImage(image, 512).shape; // [1, 512, 512, 3]
 */
export function referenceImage(image: Tensor<'float32'>, size: number): Tensor<'float32'> {
  const [n = 0, h = 0, w = 0, c = 0] = image.shape;
  const first = n === 1 ? image : new Tensor('float32', [1, h, w, c], image.data.slice(0, h * w * c));
  if (size === 0 || (h === size && w === size)) return first;
  const resized = resample(first, { width: size, height: size, method: 'lanczos' });
  return new Tensor(
    'float32',
    resized.shape,
    resized.data.map((v) => Math.min(1, Math.max(0, v))),
  );
}

/** Options of `referenceInputs`. */
export interface ReferenceInputsOptions {
  /** The node, for messages (`MoMAApply`). */
  readonly node: string;
  readonly image: Tensor<'float32'>;
  readonly mask: Tensor<'float32'> | undefined;
  /** `referenceImage`'s size. */
  readonly size: number;
  readonly log: Logger;
}

/**
 * A node's reference IMAGE (first of the batch, at `size`) and MASK lined up with it, checked and
 * named after the node's `reference_image` / `reference_mask` inputs; a batch of several images and a
 * mask of another size than the image are noted in the log.
 * @example
 * const { image, mask } = referenceInputs({ node: 'MoMAApply', image: i.reference_image, mask: i.reference_mask, size: 512, log: ctx.log });
 */
export function referenceInputs(o: ReferenceInputsOptions): {
  readonly image: Tensor<'float32'>;
  readonly mask: AlignedReferenceMask | undefined;
} {
  const checked = requireImage(o.image, `${o.node} input 'reference_image'`);
  const [n = 0, h = 0, w = 0] = checked.shape;
  if (n > 1) o.log.warn(`${o.node}: the reference batch has ${n} images; only the first is used`);
  const image = referenceImage(checked, o.size);
  if (o.mask === undefined) return { image, mask: undefined };
  const mask = requireMask(o.mask, `${o.node} input 'reference_mask'`);
  const [, mh, mw] = mask.shape;
  if (mh !== h || mw !== w) {
    o.log.info(
      `${o.node}: the reference mask is ${mw}x${mh}, the image ${w}x${h}; the mask was resized to the image`,
    );
  }
  const [, height = 0, width = 0] = image.shape;
  return { image, mask: alignReferenceMask(mask, height, width) };
}
