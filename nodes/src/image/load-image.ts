/**
 * @module
 * LoadImage: an image from the input folder as IMAGE plus MASK (1 - alpha), ComfyUI's node. The file
 * name comes from the prompt, so it is confined to the input folder; the file's content hash is part
 * of the cache signature, so editing the file on disk re-runs the node.
 */
import { defineNode, Input } from '@momaflow/engine';
import { resolveExistingInside } from './confined-path';
import { decodeImageFile } from './decode-image';
import { inputImageHooks } from './input-image-file';
import { listInputImages } from './list-input-images';

const LABEL = "LoadImage input 'image'";

/** ComfyUI's LoadImage: a file from the input folder as IMAGE and MASK (1 - alpha). */
export const LoadImage = defineNode({
  type: 'LoadImage',
  displayName: 'Load Image',
  category: 'image',
  description:
    'Loads a PNG, JPEG or WebP image from the input folder, upright (EXIF orientation applied). Outputs the RGB image and a mask from its alpha channel.',
  concurrent: true,
  inputs: {
    image: Input.combo({
      options: ({ env }) => listInputImages(env.dirs.input),
      upload: 'image',
      tooltip: 'An image file in the input folder (subfolders allowed). Upload adds a file there.',
    }),
  },
  outputs: [
    { type: 'IMAGE', name: 'IMAGE', tooltip: 'The image as RGB, values in [0,1].' },
    {
      type: 'MASK',
      name: 'MASK',
      tooltip:
        '1 - alpha: 1 where the image is transparent (what inpainting masks); all zeros without alpha.',
    },
  ],
  ...inputImageHooks(LABEL),
  run: async (ctx, { image }) => {
    const path = await resolveExistingInside(ctx.env.dirs.input, image, LABEL);
    const decoded = await decodeImageFile(path, { label: LABEL, name: image });
    return [decoded.image, decoded.mask];
  },
});
