/**
 * @module
 * GeneratedMask: the mask a MODEL's attention-map patch made while a LATENT was sampled (MoMA's
 * generated-subject mask after the last step), at image size: latents are 1/8 of the image, so each
 * latent position covers 8 x 8 pixels.
 */
import { defineNode, EngineError, Input, Tensor } from '@momaflow/engine';

const LABEL = "GeneratedMask input 'samples'";
const LATENT_TO_IMAGE = 8;

/** The generated mask of a sampled LATENT. */
export const GeneratedMask = defineNode({
  type: 'GeneratedMask',
  displayName: 'Generated Mask',
  category: 'mask',
  description:
    'The mask of where the subject was generated, as the model tracked it while sampling (MoMA, Attention Map Mask).',
  inputs: {
    samples: Input.link('LATENT', { tooltip: 'A latent from a sampler.' }),
    source: Input.string({
      default: '',
      tooltip: "The patch that made the mask (e.g. 'moma-map'); empty for the only one.",
    }),
  },
  outputs: [{ type: 'MASK', name: 'MASK', tooltip: 'The mask at image size, [batch, H, W] in [0, 1].' }],
  run: (_ctx, { samples, source }) => {
    const masks = samples.masks ?? {};
    const ids = Object.keys(masks);
    if (ids.length === 0) {
      throw new EngineError(
        'no_generated_mask',
        `${LABEL}: this latent carries no generated mask; sample it with a model from MoMAApply or Attention Map Mask`,
      );
    }
    const id = source.trim() === '' && ids.length === 1 ? ids[0]! : source.trim();
    const mask = masks[id];
    if (mask === undefined) {
      throw new EngineError(
        'no_generated_mask',
        `GeneratedMask input 'source': ${id === '' ? 'several masks' : `no mask '${id}'`}; choose one of ${ids.join(', ')}`,
      );
    }
    const [batch = 0, , h = 0, w = 0] = mask.shape;
    const H = h * LATENT_TO_IMAGE;
    const W = w * LATENT_TO_IMAGE;
    const out = Tensor.zeros('float32', [batch, H, W]);
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          out.data[(b * H + y) * W + x] =
            mask.data[(b * h + Math.floor(y / LATENT_TO_IMAGE)) * w + Math.floor(x / LATENT_TO_IMAGE)]!;
        }
      }
    }
    return [out];
  },
});
