/**
 * @module
 * ImageComparison: up to four images side by side, each under a caption, as one IMAGE, so methods run
 * on the same prompt and seed can be saved and compared as one picture. Images of another height are
 * scaled (bilinear) to the first one's; each input's first image is used.
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';
import { commonUpscale } from '../image/common-upscale';
import { labelStrip } from './label-strip';

const NODE = 'ImageComparison';
const SLOTS = ['image_1', 'image_2', 'image_3', 'image_4'] as const;

/** The first image of `t` [B, H, W, C] as [1, height, W', 3], scaled to `height`. */
function firstImage(t: Tensor<'float32'>, height: number, input: string): Tensor<'float32'> {
  const [, h = 0, w = 0, c = 0] = t.shape;
  if (t.rank !== 4 || c !== 3) {
    throw new EngineError(
      'invalid_input',
      `${NODE} input '${input}': expected an IMAGE [B, H, W, 3], got [${t.shape.join(', ')}]`,
    );
  }
  const one = new Tensor('float32', [1, h, w, c], t.data.slice(0, h * w * c));
  const width = Math.max(1, Math.round((w * height) / h));
  return h === height ? one : commonUpscale(one, { width, height, method: 'bilinear', crop: 'disabled' });
}

/** Captioned comparison of images. */
export const ImageComparison = defineNode({
  type: NODE,
  displayName: 'Image Comparison',
  category: 'image',
  description:
    'Puts up to four images side by side, each under its caption (one line of labels per image), as one image to save.',
  inputs: {
    image_1: Input.link('IMAGE', { tooltip: 'The first image (its height sets the row height).' }),
    image_2: Input.link('IMAGE', { optional: true, tooltip: 'A second image.' }),
    image_3: Input.link('IMAGE', { optional: true, tooltip: 'A third image.' }),
    image_4: Input.link('IMAGE', { optional: true, tooltip: 'A fourth image.' }),
    labels: Input.string({ default: '', multiline: true, tooltip: 'One caption per line, in image order.' }),
    label_height: Input.int({
      default: 32,
      min: 12,
      max: 256,
      tooltip: 'Height of the caption strip in pixels.',
    }),
    spacing: Input.int({
      default: 8,
      min: 0,
      max: 256,
      tooltip: 'White space between the images, in pixels.',
    }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The captioned images in one row.' }],
  run: async (ctx, i) => {
    const given = SLOTS.flatMap((slot) => (i[slot] === undefined ? [] : [{ slot, image: i[slot] }]));
    const height = given[0]?.image.shape[1] ?? 0;
    const images = given.map(({ slot, image }) => firstImage(image, height, slot));
    const labels = i.labels.split('\n');
    const widths = images.map((t) => t.shape[2] ?? 0);
    const total = widths.reduce((a, w) => a + w, 0) + i.spacing * (images.length - 1);
    const rows = i.label_height + height;
    const out = new Float32Array(rows * total * 3).fill(1);
    let x0 = 0;
    let inkless = 0;
    for (const [k, image] of images.entries()) {
      const w = widths[k] ?? 0;
      const label = labels[k]?.trim() ?? '';
      if (label !== '') {
        const strip = await labelStrip(label, { width: w, height: i.label_height });
        if (strip.ink === 0) inkless++;
        for (let y = 0; y < i.label_height; y++)
          out.set(strip.pixels.subarray(y * w * 3, (y + 1) * w * 3), (y * total + x0) * 3);
      }
      for (let y = 0; y < height; y++) {
        const src = image.data.subarray(y * w * 3, (y + 1) * w * 3);
        out.set(src, ((i.label_height + y) * total + x0) * 3);
      }
      x0 += w + i.spacing;
    }
    if (inkless > 0)
      ctx.log.warn(`${NODE}: ${inkless} captions drew no pixels; is a sans-serif font installed?`);
    return [new Tensor('float32', [1, rows, total, 3], out)];
  },
});
