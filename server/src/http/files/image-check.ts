/**
 * @module
 * Upload checks: the bytes must start like a PNG, JPEG or WEBP file and then decode completely (a
 * renamed text file or a truncated image is refused), within a pixel budget that stops decompression
 * bombs before they allocate.
 */
import sharp from 'sharp';
import { ApiError } from '../api-error';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The extension an upload of each format is saved with when its name has another. */
export const IMAGE_EXTENSIONS = { png: '.png', jpeg: '.jpg', webp: '.webp' } as const satisfies Record<
  ImageFormat,
  string
>;

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) =>
  prefix.every((b, i) => bytes[at + i] === b);

/** The image format the bytes announce, from their magic numbers. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8))
    return 'webp';
  return undefined;
}

export interface CheckedImage {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

/**
 * @example
 * const { format } = await checkImage(bytes, { maxPixels: 64e6 });
 */
export async function checkImage(bytes: Uint8Array, options: { maxPixels: number }): Promise<CheckedImage> {
  const format = sniffImage(bytes);
  if (!format) {
    throw new ApiError('unsupported_media_type', 'the upload is not a PNG, JPEG or WEBP image');
  }
  try {
    const image = sharp(bytes, { failOn: 'error', limitInputPixels: options.maxPixels });
    const meta = await image.metadata();
    // stats() decodes every pixel (streaming, without keeping the raw image), so truncated or corrupt
    // data fails here rather than in a node later.
    await image.stats();
    return { format, width: meta.width ?? 0, height: meta.height ?? 0 };
  } catch (err) {
    throw new ApiError('invalid_image', `the ${format.toUpperCase()} image does not decode`, {
      details: { reason: err instanceof Error ? err.message : String(err) },
    });
  }
}
