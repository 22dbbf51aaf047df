// @ts-check
/**
 * @module
 * A sample node pack in plain JavaScript (no build step): `SepiaTone` mixes an image with its sepia
 * version (the classic Microsoft sepia matrix), and the pack ships an example workflow that uses it.
 * Types come from @momaflow/pack-api through JSDoc.
 */
import { defineNode, definePack, Input, Tensor } from '@momaflow/pack-api';

/** Rows of the sepia matrix: output R, G, B from input R, G, B. */
const SEPIA = [
  [0.393, 0.769, 0.189],
  [0.349, 0.686, 0.168],
  [0.272, 0.534, 0.131],
];

export const SepiaTone = defineNode({
  type: 'SepiaTone',
  displayName: 'Sepia Tone',
  category: 'image/color',
  description: 'Blends an image with its sepia-toned version; strength 1 is full sepia.',
  inputs: {
    image: Input.link('IMAGE'),
    strength: Input.float({ default: 1, min: 0, max: 1, step: 0.05, display: 'slider' }),
  },
  outputs: [{ type: 'IMAGE' }],
  run: (_ctx, { image, strength }) => {
    const out = new Float32Array(image.data.length);
    for (let i = 0; i < image.data.length; i += 3) {
      const r = image.data[i] ?? 0;
      const g = image.data[i + 1] ?? 0;
      const b = image.data[i + 2] ?? 0;
      for (let c = 0; c < 3; c++) {
        const [kr = 0, kg = 0, kb = 0] = SEPIA[c] ?? [];
        const toned = Math.min(1, kr * r + kg * g + kb * b);
        const original = image.data[i + c] ?? 0;
        out[i + c] = original + strength * (toned - original);
      }
    }
    return [new Tensor('float32', image.shape, out)];
  },
});

export default definePack({
  nodes: [SepiaTone],
  examples: [
    {
      name: 'sepia',
      workflow: {
        format: 'momaflow.workflow',
        version: 2,
        name: 'Sepia (sepia-pack)',
        extra: { description: 'Loads the example image, tones it sepia and saves it.' },
        nodes: {
          1: { class_type: 'LoadImage', inputs: { image: 'example.png' }, pos: [0, 0] },
          2: { class_type: 'SepiaTone', inputs: { image: ['1', 0], strength: 0.8 }, pos: [340, 0] },
          3: {
            class_type: 'SaveImage',
            inputs: { images: ['2', 0], filename_prefix: 'sepia' },
            pos: [680, 0],
          },
        },
      },
    },
  ],
});
