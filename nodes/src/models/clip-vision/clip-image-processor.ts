/**
 * @module
 * transformers' `CLIPImageProcessor` (the slow, PIL one that LLaVA-1.5 and MoMA run): resize the
 * shortest edge with PIL bicubic on 8-bit pixels, centre crop, rescale by 1/255, normalize with the
 * CLIP mean and std, channels first. Settings come from the tower's `preprocessor_config.json` when
 * it has one, else OpenAI CLIP's at the tower's image size.
 */
import { EngineError, Tensor } from '@momaflow/engine';
import { z } from 'zod';
import { type Image8, PIL_BICUBIC, pilResize } from '../../image';

/** transformers' OPENAI_CLIP_MEAN / OPENAI_CLIP_STD. */
export const OPENAI_CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const OPENAI_CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** What the processor does, resolved. */
export interface ClipImageProcessorConfig {
  readonly shortestEdge: number;
  readonly cropHeight: number;
  readonly cropWidth: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  readonly rescaleFactor: number;
}

const zSize = z.union([
  z.number().int().positive(),
  z.object({ shortest_edge: z.number().int().positive() }),
  z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
]);
const zTriple = z.tuple([z.number(), z.number(), z.number()]);

/** The `preprocessor_config.json` fields this processor honours. */
export const CLIP_PROCESSOR_JSON_SCHEMA = z.object({
  size: zSize.optional(),
  crop_size: zSize.optional(),
  image_mean: zTriple.optional(),
  image_std: zTriple.optional(),
  rescale_factor: z.number().positive().optional(),
  // PIL's BICUBIC; other filters are not implemented, so they are refused rather than ignored.
  resample: z.literal(3).optional(),
  do_resize: z.literal(true).optional(),
  do_center_crop: z.literal(true).optional(),
  do_normalize: z.literal(true).optional(),
  do_rescale: z.literal(true).optional(),
});

/** Parsed `preprocessor_config.json`. */
export type ClipProcessorJson = z.infer<typeof CLIP_PROCESSOR_JSON_SCHEMA>;

/**
 * The processor settings from `preprocessor_config.json` (or none), for a tower of `imageSize`.
 * @example
 * const processor = clipProcessorConfig(undefined, 336); // OpenAI CLIP at 336 px
 */
export function clipProcessorConfig(
  json: ClipProcessorJson | undefined,
  imageSize: number,
): ClipImageProcessorConfig {
  const size = json?.size ?? imageSize;
  const crop = json?.crop_size ?? imageSize;
  if (typeof size === 'object' && 'height' in size) {
    throw new EngineError(
      'unsupported_model_config',
      `preprocessor_config.json: a fixed 'size' {height, width} is not CLIP's shortest-edge resize`,
    );
  }
  return {
    shortestEdge: typeof size === 'number' ? size : size.shortest_edge,
    cropHeight: typeof crop === 'number' ? crop : 'height' in crop ? crop.height : crop.shortest_edge,
    cropWidth: typeof crop === 'number' ? crop : 'width' in crop ? crop.width : crop.shortest_edge,
    mean: json?.image_mean ?? OPENAI_CLIP_MEAN,
    std: json?.image_std ?? OPENAI_CLIP_STD,
    rescaleFactor: json?.rescale_factor ?? 1 / 255,
  };
}

/** transformers `get_resize_output_image_size(default_to_square=False)`: the long side truncated. */
function resizedSize(width: number, height: number, shortest: number): { width: number; height: number } {
  const long = Math.trunc((shortest * Math.max(width, height)) / Math.min(width, height));
  return width <= height ? { width: shortest, height: long } : { width: long, height: shortest };
}

/**
 * `CLIPImageProcessor.preprocess` of one RGB image: pixel values [1, 3, cropHeight, cropWidth].
 * @throws EngineError `invalid_image` for an image that is not RGB or is smaller than the crop.
 * @example
 * const pixelValues = clipPreprocess(rgb, clipProcessorConfig(undefined, 336));
 */
export function clipPreprocess(image: Image8, c: ClipImageProcessorConfig): Tensor<'float32'> {
  if (image.channels !== 3) {
    throw new EngineError(
      'invalid_image',
      `CLIP preprocessing needs an RGB image, got ${image.channels} channels`,
    );
  }
  const size = resizedSize(image.width, image.height, c.shortestEdge);
  const resized = pilResize(image, { ...size, filter: PIL_BICUBIC });
  if (resized.width < c.cropWidth || resized.height < c.cropHeight) {
    throw new EngineError(
      'invalid_image',
      `the image resized to ${resized.width}x${resized.height} is smaller than the ${c.cropWidth}x${c.cropHeight} crop`,
    );
  }
  // transformers' center_crop: offsets rounded down.
  const top = Math.floor((resized.height - c.cropHeight) / 2);
  const left = Math.floor((resized.width - c.cropWidth) / 2);
  const plane = c.cropHeight * c.cropWidth;
  const out = new Float32Array(3 * plane);
  for (let ch = 0; ch < 3; ch++) {
    // numpy holds mean and std in the image's dtype, float32.
    const mean = Math.fround(c.mean[ch]!);
    const std = Math.fround(c.std[ch]!);
    for (let y = 0; y < c.cropHeight; y++) {
      for (let x = 0; x < c.cropWidth; x++) {
        const v = resized.data[((top + y) * resized.width + left + x) * 3 + ch]!;
        // transformers rescales in float64 and casts to float32 before normalizing in float32.
        out[ch * plane + y * c.cropWidth + x] = Math.fround(Math.fround(v * c.rescaleFactor) - mean) / std;
      }
    }
  }
  return new Tensor('float32', [1, 3, c.cropHeight, c.cropWidth], out);
}
