/**
 * @module
 * ComfyUI's IMAGE editing nodes: EmptyImage, ImageCrop, ImagePadForOutpaint (with its feathered
 * outpainting mask), ImageBatch.
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';
import { commonUpscale } from './common-upscale';
import { requireImage } from './tensor-checks';

/** ComfyUI's MAX_RESOLUTION. */
const MAX_RESOLUTION = 16384;

/** ComfyUI's EmptyImage. */
export const EmptyImage = defineNode({
  type: 'EmptyImage',
  displayName: 'EmptyImage',
  category: 'image',
  description: 'A batch of images of one colour (0xRRGGBB).',
  concurrent: true,
  inputs: {
    width: Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1, tooltip: 'Width in pixels.' }),
    height: Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1, tooltip: 'Height in pixels.' }),
    batch_size: Input.int({ default: 1, min: 1, max: 4096, tooltip: 'Number of images.' }),
    color: Input.int({ default: 0, min: 0, max: 0xffffff, step: 1, tooltip: 'The colour as 0xRRGGBB.' }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The images.' }],
  run: (_ctx, { width, height, batch_size, color }) => {
    const rgb = [(color >> 16) & 0xff, (color >> 8) & 0xff, color & 0xff].map((v) => v / 0xff);
    const out = new Float32Array(batch_size * height * width * 3);
    for (let p = 0; p < out.length; p++) out[p] = rgb[p % 3]!;
    return [new Tensor('float32', [batch_size, height, width, 3], out)];
  },
});

/** ComfyUI's ImageCrop. */
export const ImageCrop = defineNode({
  type: 'ImageCrop',
  displayName: 'Image Crop',
  category: 'image/transform',
  description: 'Cuts a width x height rectangle at (x, y) out of the images (cut short at their edges).',
  concurrent: true,
  inputs: {
    image: Input.link('IMAGE', { tooltip: 'The images to crop.' }),
    width: Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1, tooltip: 'Width of the crop.' }),
    height: Input.int({ default: 512, min: 1, max: MAX_RESOLUTION, step: 1, tooltip: 'Height of the crop.' }),
    x: Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1, tooltip: 'Left edge.' }),
    y: Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 1, tooltip: 'Top edge.' }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The cropped images.' }],
  run: (_ctx, { image, width, height, x, y }) => {
    const input = requireImage(image, "ImageCrop input 'image'");
    const [n = 0, h = 0, w = 0, c = 0] = input.shape;
    const left = Math.min(x, w - 1);
    const top = Math.min(y, h - 1);
    const cw = Math.min(width, w - left);
    const ch = Math.min(height, h - top);
    const out = new Float32Array(n * ch * cw * c);
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < ch; r++) {
        const from = ((b * h + top + r) * w + left) * c;
        out.set(input.data.subarray(from, from + cw * c), (b * ch + r) * cw * c);
      }
    }
    return [new Tensor('float32', [n, ch, cw, c], out)];
  },
});

/**
 * ImagePadForOutpaint's result: the image on a 0.5-grey canvas grown by the margins, and a mask that
 * is 1 on the new margins and, inside the image, fades in ((feathering - d) / feathering)^2 over the
 * `feathering` pixels next to each padded side (d = distance to that side).
 * @example
 * const { image, mask } = padForOutpaint(input, { left: 64, top: 0, right: 64, bottom: 0, feathering: 40 });
 */
export function padForOutpaint(
  input: Tensor<'float32'>,
  o: { left: number; top: number; right: number; bottom: number; feathering: number },
): { image: Tensor<'float32'>; mask: Tensor<'float32'> } {
  const [n = 0, h = 0, w = 0, c = 0] = input.shape;
  const H = h + o.top + o.bottom;
  const W = w + o.left + o.right;
  const image = new Float32Array(n * H * W * c).fill(0.5);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const from = (b * h + r) * w * c;
      image.set(input.data.subarray(from, from + w * c), ((b * H + o.top + r) * W + o.left) * c);
    }
  }
  const mask = new Float32Array(H * W).fill(1);
  const feather = o.feathering;
  const fades = feather > 0 && feather * 2 < h && feather * 2 < w;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      let v = 0;
      if (fades) {
        const d = Math.min(
          o.top !== 0 ? i : h,
          o.bottom !== 0 ? h - i : h,
          o.left !== 0 ? j : w,
          o.right !== 0 ? w - j : w,
        );
        if (d < feather) v = ((feather - d) / feather) ** 2;
      }
      mask[(o.top + i) * W + o.left + j] = v;
    }
  }
  return { image: new Tensor('float32', [n, H, W, c], image), mask: new Tensor('float32', [1, H, W], mask) };
}

const margin = (tooltip: string) => Input.int({ default: 0, min: 0, max: MAX_RESOLUTION, step: 8, tooltip });

/** ComfyUI's ImagePadForOutpaint. */
export const ImagePadForOutpaint = defineNode({
  type: 'ImagePadForOutpaint',
  displayName: 'Pad Image for Outpainting',
  category: 'image',
  description:
    'Grows the canvas by margins (grey) and returns a mask of where to paint, feathered into the image.',
  concurrent: true,
  inputs: {
    image: Input.link('IMAGE', { tooltip: 'The images to extend.' }),
    left: margin('Pixels added on the left.'),
    top: margin('Pixels added on the top.'),
    right: margin('Pixels added on the right.'),
    bottom: margin('Pixels added on the bottom.'),
    feathering: Input.int({
      default: 40,
      min: 0,
      max: MAX_RESOLUTION,
      step: 1,
      tooltip: 'Width of the fade into the image.',
    }),
  },
  outputs: [
    { type: 'IMAGE', name: 'IMAGE', tooltip: 'The padded images.' },
    { type: 'MASK', name: 'MASK', tooltip: '1 on the new margins, fading into the image.' },
  ],
  run: (_ctx, { image, left, top, right, bottom, feathering }) => {
    const { image: padded, mask } = padForOutpaint(requireImage(image, "ImagePadForOutpaint input 'image'"), {
      left,
      top,
      right,
      bottom,
      feathering,
    });
    return [padded, mask];
  },
});

/** ComfyUI's ImageBatch. */
export const ImageBatch = defineNode({
  type: 'ImageBatch',
  displayName: 'Batch Images',
  category: 'image',
  description:
    "Joins two image batches; the second is resized (bilinear, center crop) to the first's size when they differ.",
  concurrent: true,
  inputs: {
    image1: Input.link('IMAGE', { tooltip: 'The first images.' }),
    image2: Input.link('IMAGE', { tooltip: 'The images appended.' }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'Both batches, one after the other.' }],
  run: (_ctx, { image1, image2 }) => {
    const a = requireImage(image1, "ImageBatch input 'image1'");
    let b = requireImage(image2, "ImageBatch input 'image2'");
    const [, h = 0, w = 0, c = 0] = a.shape;
    if (b.shape[3] !== c) {
      throw new EngineError(
        'invalid_image',
        `ImageBatch: image1 has ${c} channels and image2 ${b.shape[3]}; they cannot share a batch`,
      );
    }
    if (b.shape[1] !== h || b.shape[2] !== w)
      b = commonUpscale(b, { width: w, height: h, method: 'bilinear', crop: 'center' });
    const joined = new Float32Array(a.size + b.size);
    joined.set(a.data);
    joined.set(b.data, a.size);
    return [new Tensor('float32', [(a.shape[0] ?? 0) + (b.shape[0] ?? 0), h, w, c], joined)];
  },
});
