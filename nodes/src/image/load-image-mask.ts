/**
 * @module
 * LoadImageMask, ComfyUI's node: one channel of an image file in the input folder as a MASK; for
 * alpha it is 1 - alpha (1 where the image is transparent), as LoadImage's mask.
 */
import { defineNode, Input, Tensor } from '@momaflow/engine';
import { resolveExistingInside } from './confined-path';
import { decodeImageFile } from './decode-image';
import { inputImageHooks } from './input-image-file';
import { listInputImages } from './list-input-images';

const LABEL = "LoadImageMask input 'image'";
const CHANNELS = ['alpha', 'red', 'green', 'blue'] as const;

/** ComfyUI's LoadImageMask. */
export const LoadImageMask = defineNode({
  type: 'LoadImageMask',
  displayName: 'Load Image (as Mask)',
  category: 'mask',
  description: 'Loads one channel of an image from the input folder as a mask (alpha: 1 where transparent).',
  concurrent: true,
  inputs: {
    image: Input.combo({
      options: ({ env }) => listInputImages(env.dirs.input),
      upload: 'image',
      tooltip: 'An image file in the input folder.',
    }),
    channel: Input.combo({
      options: CHANNELS,
      default: 'alpha',
      tooltip: 'The channel that becomes the mask.',
    }),
  },
  outputs: [{ type: 'MASK', name: 'MASK', tooltip: 'The mask, [1, H, W].' }],
  ...inputImageHooks(LABEL),
  run: async (ctx, { image, channel }) => {
    const path = await resolveExistingInside(ctx.env.dirs.input, image, LABEL);
    const decoded = await decodeImageFile(path, { label: LABEL, name: image });
    if (channel === 'alpha') return [decoded.mask.reshape([1, ...decoded.mask.shape.slice(-2)])];
    const [, h = 0, w = 0, channels = 0] = decoded.image.shape;
    const index = Math.min(CHANNELS.indexOf(channel) - 1, channels - 1);
    const mask = new Float32Array(h * w);
    for (let p = 0; p < h * w; p++) mask[p] = decoded.image.data[p * channels + index]!;
    return [new Tensor('float32', [1, h, w], mask)];
  },
});
