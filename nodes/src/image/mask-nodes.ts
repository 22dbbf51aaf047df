/**
 * @module
 * Conversions between IMAGE and MASK and mask inversion, with ComfyUI's semantics.
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';
import { requireImage, requireMask } from './tensor-checks';

const CHANNELS = ['red', 'green', 'blue', 'alpha'] as const;

/** ComfyUI's ImageToMask: one channel (red, green, blue or alpha) as a MASK. */
export const ImageToMask = defineNode({
  type: 'ImageToMask',
  displayName: 'Convert Image to Mask',
  category: 'mask',
  description: 'Takes one channel of the images as a mask.',
  concurrent: true,
  inputs: {
    image: Input.link('IMAGE', { tooltip: 'The images to take the channel from.' }),
    channel: Input.combo({
      options: CHANNELS,
      default: 'red',
      tooltip:
        'The channel that becomes the mask. alpha needs an RGBA image (LoadImage gives alpha as its MASK).',
    }),
  },
  outputs: [{ type: 'MASK', name: 'MASK', tooltip: 'The channel, [N, H, W].' }],
  run: (_ctx, { image, channel }) => {
    const input = requireImage(image, "ImageToMask input 'image'");
    const [batch = 0, height = 0, width = 0, channels = 0] = input.shape;
    const index = CHANNELS.indexOf(channel);
    if (index >= channels) {
      throw new EngineError(
        'invalid_image',
        `ImageToMask input 'channel': '${channel}' needs an image with ${index + 1} channels, this one has ${channels}` +
          (channel === 'alpha' ? " (use LoadImage's MASK output for a file's alpha)" : ''),
      );
    }
    const pixels = batch * height * width;
    const mask = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) mask[p] = input.data[p * channels + index]!;
    return [new Tensor('float32', [batch, height, width], mask)];
  },
});

/** ComfyUI's MaskToImage: a MASK as a grey 3-channel IMAGE. */
export const MaskToImage = defineNode({
  type: 'MaskToImage',
  displayName: 'Convert Mask to Image',
  category: 'mask',
  description: 'Turns masks into grey RGB images (the mask value in all three channels).',
  concurrent: true,
  inputs: { mask: Input.link('MASK', { tooltip: 'The masks to show as images.' }) },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The masks as [N, H, W, 3] images.' }],
  run: (_ctx, { mask }) => {
    const input = requireMask(mask, "MaskToImage input 'mask'");
    const pixels = input.size;
    const image = new Float32Array(pixels * 3);
    for (let p = 0; p < pixels; p++) image.fill(input.data[p]!, p * 3, p * 3 + 3);
    return [new Tensor('float32', [...input.shape, 3], image)];
  },
});

/** ComfyUI's InvertMask: 1 - mask. */
export const InvertMask = defineNode({
  type: 'InvertMask',
  displayName: 'Invert Mask',
  category: 'mask',
  description: 'Inverts masks: 1 - mask.',
  concurrent: true,
  inputs: { mask: Input.link('MASK', { tooltip: 'The masks to invert.' }) },
  outputs: [{ type: 'MASK', name: 'MASK', tooltip: '1 - mask.' }],
  run: (_ctx, { mask }) => {
    const input = requireMask(mask, "InvertMask input 'mask'");
    return [
      new Tensor(
        'float32',
        input.shape,
        input.data.map((v) => 1 - v),
      ),
    ];
  },
});
