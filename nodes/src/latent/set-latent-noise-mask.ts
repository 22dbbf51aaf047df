/**
 * @module
 * SetLatentNoiseMask, ComfyUI's node: attaches a MASK to a LATENT so samplers change it only where the
 * mask is 1 (inpainting on an unmodified image latent).
 */
import { defineNode, Input } from '@momaflow/engine';
import type { Latent } from '../diffusion';
import { requireMask } from '../image';

/** ComfyUI's SetLatentNoiseMask. */
export const SetLatentNoiseMask = defineNode({
  type: 'SetLatentNoiseMask',
  displayName: 'Set Latent Noise Mask',
  category: 'latent/inpaint',
  description: 'Limits sampling to where the mask is 1; the rest of the latent is kept.',
  concurrent: true,
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'The latent to inpaint.' }),
    mask: Input.link('MASK', { tooltip: 'Where the sampler may change the latent (any resolution).' }),
  },
  outputs: [{ type: 'LATENT', name: 'LATENT', tooltip: 'The latent with its noise mask.' }],
  run: (_ctx, { samples, mask }) => {
    const m = requireMask(mask, "SetLatentNoiseMask input 'mask'");
    const [n = 0, h = 0, w = 0] = m.shape;
    const out: Latent = { ...samples, noiseMask: m.reshape([n, 1, h, w]) };
    return [out];
  },
});
