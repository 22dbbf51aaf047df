/**
 * @module
 * Encoding one image of an IMAGE batch as an 8-bit PNG, optionally with text chunks (the prompt and
 * workflow SaveImage embeds).
 */
import { EngineError, type Tensor } from '@momaflow/engine';
import sharp from 'sharp';
import { toImage8 } from './image8';
import { insertPngText } from './png-text-chunks';

export interface EncodePngOptions {
  /** Text chunks to embed (keyword -> text); ASCII text goes into tEXt, other text into UTF-8 iTXt. */
  readonly text?: Readonly<Record<string, string>>;
  /** zlib level 0-9: ComfyUI uses 4 for saved images and 1 for previews. Default 4. */
  readonly compressionLevel?: number;
  /** Which image of the batch to encode. Default 0. */
  readonly index?: number;
}

function isChannelCount(c: number | undefined): c is 1 | 2 | 3 | 4 {
  return c === 1 || c === 2 || c === 3 || c === 4;
}

/**
 * Encodes image `index` of a float32 NHWC batch (1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA
 * channels) as a PNG. Values are clamped to [0,1]. Throws EngineError `invalid_image` for other shapes.
 * @example
 * const png = await encodePng(image, { text: { prompt: JSON.stringify(prompt) } });
 */
export async function encodePng(image: Tensor<'float32'>, options: EncodePngOptions = {}): Promise<Buffer> {
  const [batch = 0, height = 0, width = 0, channels] = image.shape;
  const index = options.index ?? 0;
  if (image.rank !== 4 || !isChannelCount(channels) || height === 0 || width === 0) {
    throw new EngineError(
      'invalid_image',
      `cannot encode a tensor of shape [${image.shape.join(', ')}] as PNG: expected [N, H, W, C] with H, W >= 1 and C in 1..4`,
      { shape: image.shape },
    );
  }
  if (!Number.isInteger(index) || index < 0 || index >= batch) {
    throw new EngineError('invalid_image', `image index ${index} is out of range [0, ${batch})`, { index });
  }
  const raw = sharp(toImage8(image, index).data, { raw: { width, height, channels } });
  // sharp converts to sRGB on output by default, which would turn a grey image into three channels.
  const png = await (channels <= 2 ? raw.toColourspace('b-w') : raw)
    .png({ compressionLevel: options.compressionLevel ?? 4 })
    .toBuffer();
  return options.text && Object.keys(options.text).length > 0 ? insertPngText(png, options.text) : png;
}
