/**
 * @module
 * Sampler previews without the VAE: ComfyUI's `Latent2RGBPreviewer` (`latent_preview.py`) projects
 * the x0 estimate of the first latent in the batch to RGB with the fixed SD1.5 factors of
 * `latent_formats.SD15`, maps [-1, 1] to bytes and sends a small JPEG at latent resolution.
 */
import type { PreviewImage, Tensor } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
import sharp from 'sharp';

/** Rows: latent channels 0..3; columns: R, G, B (ComfyUI `latent_formats.SD15.latent_rgb_factors`). */
export const SD15_LATENT_RGB_FACTORS: readonly (readonly [number, number, number])[] = [
  [0.3512, 0.2297, 0.3227],
  [0.325, 0.4974, 0.235],
  [-0.2829, 0.1762, 0.2721],
  [-0.212, -0.2616, -0.7177],
];

const JPEG_QUALITY = 80;

/**
 * RGB bytes (HWC) of batch entry 0 of an SD1.5 latent [batch, 4, h, w] in the model's (scaled) space:
 * byte = trunc(clamp((rgb + 1) / 2, 0, 1) * 255), as `preview_to_image` casts to uint8.
 * @example
 * const { width, height, rgb } = latentToRgb(x0);
 */
export function latentToRgb(latent: Tensor<'float32'>): { width: number; height: number; rgb: Uint8Array } {
  const [, channels = 0, height = 0, width = 0] = latent.shape;
  if (latent.rank !== 4 || channels !== SD15_LATENT_RGB_FACTORS.length) {
    throw new EngineError(
      'invalid_input',
      `a latent preview needs [batch, ${SD15_LATENT_RGB_FACTORS.length}, h, w], got [${latent.shape.join(', ')}]`,
    );
  }
  const plane = width * height;
  const rgb = new Uint8Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < channels; k++) v += latent.data[k * plane + p]! * SD15_LATENT_RGB_FACTORS[k]![c]!;
      rgb[p * 3 + c] = Math.trunc(Math.min(1, Math.max(0, (v + 1) / 2)) * 255);
    }
  }
  return { width, height, rgb };
}

/**
 * A JPEG preview of batch entry 0 of `latent`.
 * @example
 * ctx.progress(step, steps, await latentPreview(x0));
 */
export async function latentPreview(latent: Tensor<'float32'>): Promise<PreviewImage> {
  const { width, height, rgb } = latentToRgb(latent);
  const bytes = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  return { format: 'JPEG', bytes: new Uint8Array(bytes) };
}
