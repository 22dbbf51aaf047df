/**
 * @module
 * Between IMAGE sockets (float32 NHWC in [0, 1]) and the VAE's tensors (float32 NCHW in [-1, 1]),
 * with ComfyUI's conventions: encoding reads RGB (alpha dropped, gray repeated) from an image cropped
 * to multiples of 8 around its centre (`vae_encode_crop_pixels`); decoding clamps to [0, 1].
 */
import { EngineError, Tensor } from '@momaflow/engine';

const SCALE = 8;

/** The region of a height x width image the VAE encodes. */
export interface VaeEncodeCrop {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}

/**
 * The part of an image the VAE encodes: sizes floored to multiples of 8, the odd rows and columns
 * dropped on both sides (ComfyUI `vae_encode_crop_pixels`); what follows the image (a mask over it)
 * is cut the same way.
 * @example
 * vaeEncodeCrop(515, 300); // { top: 1, left: 2, height: 512, width: 296 }
 */
export function vaeEncodeCrop(height: number, width: number): VaeEncodeCrop {
  return {
    top: Math.floor((height % SCALE) / 2),
    left: Math.floor((width % SCALE) / 2),
    height: Math.floor(height / SCALE) * SCALE,
    width: Math.floor(width / SCALE) * SCALE,
  };
}

/**
 * Image `index` of an IMAGE batch as a VAE input [1, 3, H', W'] in [-1, 1], H' and W' floored to
 * multiples of 8 by dropping the odd rows and columns on both sides.
 * @throws EngineError `invalid_image` (naming `label`) when the image is smaller than 8 x 8.
 * @example
 * const input = imageToVaeInput(image, 0, "VAEEncode input 'pixels'");
 */
export function imageToVaeInput(image: Tensor<'float32'>, index: number, label: string): Tensor<'float32'> {
  const [, height = 0, width = 0, channels = 0] = image.shape;
  const { top, left, height: h, width: w } = vaeEncodeCrop(height, width);
  if (h === 0 || w === 0) {
    throw new EngineError('invalid_image', `${label}: a ${width}x${height} image is smaller than 8x8 pixels`);
  }
  const out = Tensor.zeros('float32', [1, 3, h, w]);
  const base = index * height * width * channels;
  for (let c = 0; c < 3; c++) {
    const source = Math.min(c, channels - 1);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = image.data[base + ((y + top) * width + (x + left)) * channels + source]!;
        out.data[(c * h + y) * w + x] = v * 2 - 1;
      }
    }
  }
  return out;
}

/**
 * VAE output [B, 3, H, W] in about [-1, 1] as an IMAGE [B, H, W, 3] clamped to [0, 1].
 * @example
 * const image = vaeOutputToImage(decoded);
 */
export function vaeOutputToImage(decoded: Tensor<'float32'>): Tensor<'float32'> {
  const [batch = 0, channels = 0, height = 0, width = 0] = decoded.shape;
  const out = Tensor.zeros('float32', [batch, height, width, channels]);
  const plane = height * width;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const from = (b * channels + c) * plane;
      for (let p = 0; p < plane; p++) {
        const v = (decoded.data[from + p]! + 1) / 2;
        out.data[(b * plane + p) * channels + c] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return out;
}
