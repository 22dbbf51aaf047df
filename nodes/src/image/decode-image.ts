/**
 * @module
 * Decoding PNG, JPEG and WebP files into ComfyUI's IMAGE and MASK values: the image as float32 NHWC
 * RGB in [0,1], the mask as 1 - alpha (NHW), the way ComfyUI's LoadImage builds them. EXIF orientation
 * is applied so phone photos come out upright; 16-bit PNGs keep their 16 bits.
 */
import { readFile } from 'node:fs/promises';
import { EngineError, Tensor } from '@momaflow/engine';
import sharp from 'sharp';
import { hasErrnoCode } from './confined-path';

/** A decoded file: IMAGE [1,H,W,3] and MASK [1,H,W] (zeros when the file has no alpha). */
export interface DecodedImage {
  readonly image: Tensor<'float32'>;
  readonly mask: Tensor<'float32'>;
  readonly hasAlpha: boolean;
}

export interface DecodeOptions {
  /** Prefix of error messages, naming the node input (e.g. `LoadImage input 'image'`). */
  readonly label?: string;
  /** The file name shown in error messages. */
  readonly name?: string;
}

/** k/255 as float32 for every 8-bit value: exact the same numbers ComfyUI's `/ 255.0` gives. */
const UNIT_8 = Float32Array.from({ length: 256 }, (_, k) => k / 255);

interface RawPixels {
  readonly samples: Uint8Array | Uint16Array;
  readonly max: number;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

async function rawPixels(bytes: Uint8Array): Promise<RawPixels> {
  // failOn 'error' rather than sharp's default 'warning': PIL (and so ComfyUI) opens photos that carry
  // benign decoder warnings, while truly corrupt data still fails.
  const meta = await sharp(bytes, { failOn: 'error' }).metadata();
  const deep = meta.depth === 'ushort';
  const pipeline = sharp(bytes, { failOn: 'error', autoOrient: true }).toColourspace(deep ? 'rgb16' : 'srgb');
  const { data, info } = await pipeline
    .raw(deep ? { depth: 'ushort' } : {})
    .toBuffer({ resolveWithObject: true });
  const samples = deep
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    samples,
    max: deep ? 65535 : 255,
    width: info.width,
    height: info.height,
    channels: info.channels,
  };
}

function toTensors({ samples, max, width, height, channels }: RawPixels): DecodedImage {
  const pixels = width * height;
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  const unit = max === 255 ? (v: number) => UNIT_8[v]! : (v: number) => v / max;
  const image = new Float32Array(pixels * 3);
  const mask = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const src = p * channels;
    for (let c = 0; c < 3; c++) image[p * 3 + c] = unit(samples[src + (colour === 1 ? 0 : c)]!);
    if (hasAlpha) mask[p] = 1 - unit(samples[src + colour]!);
  }
  return {
    image: new Tensor('float32', [1, height, width, 3], image),
    mask: new Tensor('float32', [1, height, width], mask),
    hasAlpha,
  };
}

/**
 * Decodes an encoded image (PNG, JPEG, WebP, and whatever else sharp reads) already in memory.
 * Throws EngineError `image_decode_failed` for data that is not a readable image.
 * @example
 * const { image, mask } = await decodeImage(await readFile(path), { name: 'cat.png' });
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const name = options.name ?? 'image';
  try {
    return toTensors(await rawPixels(bytes));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new EngineError(
      'image_decode_failed',
      `${options.label ? `${options.label}: ` : ''}cannot decode '${name}' as an image (${why})`,
      { file: name },
      { cause: err },
    );
  }
}

/**
 * Reads and decodes an image file. Throws EngineError `file_not_found`, `file_unreadable` or
 * `image_decode_failed`, each naming the file (and `options.label` when given). It does not confine
 * the path: callers taking names from prompts resolve them with `resolveExistingInside` first.
 * @example
 * const { image, mask } = await decodeImageFile('/data/input/cat.png');
 */
export async function decodeImageFile(path: string, options: DecodeOptions = {}): Promise<DecodedImage> {
  const name = options.name ?? path;
  const prefix = options.label ? `${options.label}: ` : '';
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const missing = hasErrnoCode(err, 'ENOENT');
    throw new EngineError(
      missing ? 'file_not_found' : 'file_unreadable',
      missing ? `${prefix}file '${name}' not found` : `${prefix}cannot read '${name}': ${String(err)}`,
      { file: name },
      { cause: err },
    );
  }
  return decodeImage(bytes, { ...options, name });
}
