/**
 * @module
 * Test-only: the synthetic RGB image the preprocessing references were computed on (Pillow 9.4 and
 * numpy, following transformers' CLIPImageProcessor and LLaVA's expand2square), and a helper that
 * recovers the 8-bit crop behind normalized pixel values, to compare it byte for byte.
 */
import { createHash } from 'node:crypto';
import type { Tensor } from '@momaflow/engine';
import type { Image8 } from '../../image';
import { rgbPattern } from '../../image/image-test-utils';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from './clip-image-processor';

/** 43x29 RGB, value (x*53 + y*29 + c*71 + ((x*y) % 13) * 7) % 256. */
export const preprocessingPattern = (): Image8 =>
  rgbPattern(43, 29, (x, y, c) => x * 53 + y * 29 + c * 71 + ((x * y) % 13) * 7);

/** sha256 of the HWC uint8 crop that normalized CHW pixel values [1, 3, H, W] came from. */
export function cropSha256(pixels: Tensor<'float32'>): string {
  const [, , h = 0, w = 0] = pixels.shape;
  const bytes = new Uint8Array(h * w * 3);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < h * w; i++) {
      const v = pixels.data[c * h * w + i]! * OPENAI_CLIP_STD[c]! + OPENAI_CLIP_MEAN[c]!;
      bytes[i * 3 + c] = Math.round(v * 255);
    }
  return createHash('sha256').update(bytes).digest('hex');
}
