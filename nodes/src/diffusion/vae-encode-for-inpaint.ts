/**
 * @module
 * VAEEncodeForInpaint, ComfyUI's node: encodes images with the masked area set to grey (so the model
 * repaints it from scratch) and attaches the mask, grown by a few pixels, as the LATENT's noise mask.
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';
import { requireImage, requireMask, resample, roundHalfEven } from '../image';
import type { Latent } from './diffusion-types';
import { encodeImage } from './vae-codec';

const LABEL = "VAEEncodeForInpaint input 'pixels'";

/**
 * ComfyUI's mask preparation: `mask` [N, h, w] resized bilinearly to H x W, both cut to multiples of
 * 8 around the centre; the grown mask is the rounded mask dilated by a grow x grow box
 * (conv2d with ones, padding ceil((grow - 1) / 2), clamped to 1), at the cut size.
 * @example
 * const { mask, grown } = inpaintMasks(mask, { height: 512, width: 512, grow: 6 });
 */
export function inpaintMasks(
  mask: Tensor<'float32'>,
  o: { readonly height: number; readonly width: number; readonly grow: number },
): { mask: Tensor<'float32'>; grown: Tensor<'float32'>; top: number; left: number } {
  const [n = 0, mh = 0, mw = 0] = mask.shape;
  const full = resample(mask.reshape([n, mh, mw, 1]), {
    width: o.width,
    height: o.height,
    method: 'bilinear',
  });
  const h = Math.floor(o.height / 8) * 8;
  const w = Math.floor(o.width / 8) * 8;
  const top = Math.floor((o.height % 8) / 2);
  const left = Math.floor((o.width % 8) / 2);
  const cut = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        cut[(b * h + y) * w + x] = full.data[(b * o.height + y + top) * o.width + x + left]!;
  const rounded = cut.map(roundHalfEven);
  if (o.grow === 0) {
    return {
      mask: new Tensor('float32', [n, h, w], cut),
      grown: new Tensor('float32', [n, 1, h, w], rounded),
      top,
      left,
    };
  }
  const pad = Math.ceil((o.grow - 1) / 2);
  const grown = new Float32Array(n * h * w);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let dy = 0; dy < o.grow; dy++) {
          for (let dx = 0; dx < o.grow; dx++) {
            const yy = y - pad + dy;
            const xx = x - pad + dx;
            if (yy >= 0 && yy < h && xx >= 0 && xx < w) sum += rounded[(b * h + yy) * w + xx]!;
          }
        }
        grown[(b * h + y) * w + x] = roundHalfEven(Math.min(1, Math.max(0, sum)));
      }
    }
  }
  return {
    mask: new Tensor('float32', [n, h, w], cut),
    grown: new Tensor('float32', [n, 1, h, w], grown),
    top,
    left,
  };
}

/** ComfyUI's VAEEncodeForInpaint. */
export const VAEEncodeForInpaint = defineNode({
  type: 'VAEEncodeForInpaint',
  displayName: 'VAE Encode (for Inpainting)',
  category: 'latent/inpaint',
  description:
    'Encodes images with the masked area blanked to grey and sets the (grown) mask as the noise mask, for inpainting checkpoints or full-strength inpainting.',
  inputs: {
    pixels: Input.link('IMAGE', { tooltip: 'The images to inpaint.' }),
    vae: Input.link('VAE', { tooltip: 'The VAE that encodes them.' }),
    mask: Input.link('MASK', { tooltip: '1 where to repaint.' }),
    grow_mask_by: Input.int({
      default: 6,
      min: 0,
      max: 64,
      step: 1,
      tooltip: 'Pixels to grow the noise mask by, for seamless edges.',
    }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The encoded latents with their noise mask.' }],
  run: async (ctx, { pixels, vae, mask, grow_mask_by }) => {
    const image = requireImage(pixels, LABEL);
    const masks = requireMask(mask, "VAEEncodeForInpaint input 'mask'");
    const [batch = 0, height = 0, width = 0, channels = 0] = image.shape;
    const n = masks.shape[0]!;
    if (n !== 1 && n !== batch) {
      throw new EngineError(
        'invalid_mask',
        `VAEEncodeForInpaint input 'mask': ${n} masks for ${batch} images; give 1 or ${batch}`,
      );
    }
    const m = inpaintMasks(masks, { height, width, grow: grow_mask_by });
    const [, h = 0, w = 0] = m.mask.shape;
    // Grey where the rounded mask is 1: (p - 0.5) * (1 - round(mask)) + 0.5 on the RGB channels.
    const grey = new Float32Array(batch * h * w * channels);
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const keep = 1 - roundHalfEven(m.mask.data[((b % n) * h + y) * w + x]!);
          for (let c = 0; c < channels; c++) {
            const v = image.data[((b * height + y + m.top) * width + x + m.left) * channels + c]!;
            grey[((b * h + y) * w + x) * channels + c] = c < 3 ? (v - 0.5) * keep + 0.5 : v;
          }
        }
      }
    }
    const samples = await encodeImage(
      ctx.env,
      vae,
      new Tensor('float32', [batch, h, w, channels], grey),
      LABEL,
      ctx.signal,
    );
    const out: Latent = { samples, noiseMask: m.grown };
    return [out];
  },
});
