/**
 * @module
 * LLaVA-1.5's image preprocessing (haotian-liu/LLaVA `llava/mm_utils.py` `process_images` with
 * `image_aspect_ratio: pad`): the image padded to a square with the CLIP mean colour, centred
 * (`expand2square`), then the tower's CLIP image processor.
 */
import type { Tensor } from '@momaflow/engine';
import type { Image8 } from '../../image';
import { type ClipImageProcessorConfig, clipPreprocess } from '../clip-vision';

/**
 * `expand2square`: the longer side kept, the image pasted at offset `(long - short) // 2`.
 * @example
 * const square = expandToSquare(rgb, [122, 116, 104]);
 */
export function expandToSquare(image: Image8, background: readonly number[]): Image8 {
  const { width, height, channels } = image;
  if (width === height) return image;
  const side = Math.max(width, height);
  const data = new Uint8Array(side * side * channels);
  for (let i = 0; i < side * side; i++) data.set(background.slice(0, channels), i * channels);
  const left = width < side ? Math.floor((side - width) / 2) : 0;
  const top = height < side ? Math.floor((side - height) / 2) : 0;
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    data.set(image.data.subarray(y * row, (y + 1) * row), ((top + y) * side + left) * channels);
  }
  return { width: side, height: side, channels, data };
}

/**
 * Pixel values [1, 3, S, S] of an RGB image as LLaVA feeds its tower.
 * @example
 * const pixels = llavaPixelValues(rgb, { processor: tower.processor, pad: true });
 */
export function llavaPixelValues(
  image: Image8,
  o: { readonly processor: ClipImageProcessorConfig; readonly pad: boolean },
): Tensor<'float32'> {
  // LLaVA's background: tuple(int(x * 255) for x in image_mean), truncated.
  const background = o.processor.mean.map((m) => Math.trunc(m * 255));
  return clipPreprocess(o.pad ? expandToSquare(image, background) : image, o.processor);
}
