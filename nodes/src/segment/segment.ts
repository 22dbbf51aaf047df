/**
 * @module
 * Segment: the subject of each image as MASK, cut out on white (what MoMA's MLLM reads) and as RGBA
 * (mask as alpha), from a SEGMENTER. The model runs in the environment's `SEGMENT_SESSIONS` (twice per
 * image with `flip_average`); the refinement options (threshold, largest region, feather, invert) are
 * `refineMask`'s.
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';
import { requireImage } from '../image';
import { cutouts } from './cutouts';
import { predictMask, rgbOf } from './predict-mask';
import { refineMask } from './refine-mask';
import type { Size2d } from './segment-model-config';
import { SEGMENT_SESSIONS } from './segment-resources';
import type { Segmenter } from './segment-types';

/** The size to feed: the model's default, or a square `resolution` the model accepts. */
function workingSize(segmenter: Segmenter, resolution: number): Size2d {
  if (resolution === 0) return segmenter.io.defaultSize;
  const fixed = segmenter.io.fixedSize;
  if (fixed !== undefined && (fixed.height !== resolution || fixed.width !== resolution)) {
    throw new EngineError(
      'invalid_option',
      `Segment input 'resolution': '${segmenter.name}' only takes ${fixed.width}x${fixed.height} inputs; set resolution to 0 (the model's size)${fixed.width === fixed.height ? ` or ${fixed.width}` : ''}`,
      { resolution },
    );
  }
  return { height: resolution, width: resolution };
}

/** Segments the subject of every image of the batch. */
export const Segment = defineNode({
  type: 'Segment',
  displayName: 'Segment Subject',
  category: 'mask',
  description:
    'Finds the main subject of each image with a salient-object / background-removal model. Outputs its mask, the subject on a white background, and the subject as RGBA with the mask as alpha.',
  inputs: {
    segmenter: Input.link('SEGMENTER', { tooltip: 'The model, from Load Segmentation Model.' }),
    image: Input.link('IMAGE', { tooltip: 'The images whose subject to cut out.' }),
    threshold: Input.float({
      default: 0.5,
      min: 0,
      max: 1,
      step: 0.01,
      tooltip: 'Binarise the prediction: 1 where it is at least this. 0 keeps the soft prediction.',
    }),
    feather: Input.int({
      default: 0,
      min: 0,
      max: 256,
      tooltip: 'Soften the mask edge by a Gaussian blur spanning this many pixels (0: hard edge).',
    }),
    invert: Input.boolean({ default: false, tooltip: 'Mask the background instead of the subject.' }),
    keep_largest: Input.boolean({
      default: false,
      tooltip: 'Keep only the largest connected region of the mask (drops stray blobs).',
    }),
    resolution: Input.int({
      default: 0,
      min: 0,
      max: 4096,
      step: 32,
      tooltip:
        "Working resolution: the square size the model sees. 0 uses the model's own size (1024 for IS-Net); models with a fixed input size accept only that.",
    }),
    // Optional so that workflows saved before it existed stay valid.
    flip_average: Input.boolean({
      default: false,
      optional: true,
      tooltip:
        'Also segment the mirrored image and average the two predictions: steadier on subjects the model is unsure of (shaded or low-contrast parts), at twice the time.',
    }),
  },
  outputs: [
    { type: 'MASK', name: 'MASK', tooltip: 'The subject mask, [N, H, W] at the image size (1 = subject).' },
    { type: 'IMAGE', name: 'ON_WHITE', tooltip: 'The subject on a white background, RGB.' },
    { type: 'IMAGE', name: 'RGBA', tooltip: 'The image as RGBA with the mask as alpha.' },
  ],
  run: async (
    ctx,
    { segmenter, image, threshold, feather, invert, keep_largest, resolution, flip_average },
  ) => {
    const images = requireImage(image, "Segment input 'image'");
    const size = workingSize(segmenter, resolution);
    const [batch = 0, height = 0, width = 0] = images.shape;
    const pixels = height * width;
    const mask = new Float32Array(batch * pixels);
    const onWhite = new Float32Array(batch * pixels * 3);
    const rgba = new Float32Array(batch * pixels * 4);
    const lease = await ctx.env
      .resource(SEGMENT_SESSIONS)
      .acquire({ path: segmenter.path, hash: segmenter.key });
    try {
      for (let i = 0; i < batch; i++) {
        ctx.signal.throwIfAborted();
        const probabilities = await predictMask({
          session: lease.session,
          segmenter,
          images,
          index: i,
          size,
          flipAverage: flip_average,
        });
        const refined = refineMask(probabilities, {
          width,
          height,
          threshold,
          keepLargest: keep_largest,
          feather,
          invert,
        });
        const cut = cutouts(rgbOf(images, i).data, refined);
        mask.set(refined, i * pixels);
        onWhite.set(cut.onWhite, i * pixels * 3);
        rgba.set(cut.rgba, i * pixels * 4);
        ctx.progress(i + 1, batch);
      }
    } finally {
      lease.release();
    }
    return [
      new Tensor('float32', [batch, height, width], mask),
      new Tensor('float32', [batch, height, width, 3], onWhite),
      new Tensor('float32', [batch, height, width, 4], rgba),
    ];
  },
});
