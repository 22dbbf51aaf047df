/**
 * @module
 * VAEDecode and VAEEncode, ComfyUI's nodes: between LATENT (VAE space, unscaled) and IMAGE.
 */
import { defineNode, EngineError, Input, isFloatTensor, type Tensor } from '@momaflow/engine';
import { vaeOutputToImage } from './image-layout';
import { decodeLatent, encodeImage } from './vae-codec';

/** ComfyUI's VAEDecode. */
export const VAEDecode = defineNode({
  type: 'VAEDecode',
  displayName: 'VAE Decode',
  category: 'latent',
  description: 'Decodes latent images back into pixel space images.',
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The latent to decode.' }),
    vae: Input.link('VAE', {
      tooltip: 'The VAE that decodes it, usually from the same checkpoint as the model.',
    }),
  },
  outputs: [{ type: 'IMAGE', name: 'IMAGE', tooltip: 'The decoded images.' }],
  run: async (ctx, { samples, vae }) => [
    vaeOutputToImage(
      await decodeLatent(ctx.env, vae, samples.samples, ctx.signal, (status) =>
        ctx.progress(0, 1, undefined, status),
      ),
    ),
  ],
});

const ENCODE_LABEL = "VAEEncode input 'pixels'";

/** The value as an IMAGE, or EngineError `invalid_image` naming the input. */
function requireImage(value: unknown): Tensor<'float32'> {
  if (isFloatTensor(value, 4) && value.size > 0) return value;
  const shape = isFloatTensor(value) ? `[${value.shape.join(', ')}]` : typeof value;
  throw new EngineError(
    'invalid_image',
    `${ENCODE_LABEL}: expected an IMAGE (float32 [N, H, W, C]), got ${shape}`,
  );
}

/** ComfyUI's VAEEncode. */
export const VAEEncode = defineNode({
  type: 'VAEEncode',
  displayName: 'VAE Encode',
  category: 'latent',
  description:
    'Encodes images into latents (for img2img with a denoise below 1). Sizes are cropped to multiples of 8 around the centre.',
  inputs: {
    pixels: Input.link('IMAGE', { tooltip: 'The images to encode.' }),
    vae: Input.link('VAE', { tooltip: 'The VAE that encodes them.' }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The encoded latents.' }],
  run: async (ctx, { pixels, vae }) => [
    {
      samples: await encodeImage(ctx.env, vae, requireImage(pixels), ENCODE_LABEL, ctx.signal, (status) =>
        ctx.progress(0, 1, undefined, status),
      ),
    },
  ],
});
