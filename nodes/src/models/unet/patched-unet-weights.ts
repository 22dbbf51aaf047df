/**
 * @module
 * A MODEL whose UNet weights carry a `WeightPatch` (LoRA deltas, Custom Diffusion's replaced attention
 * weights): the weight source's id combines the base's and the patch's, so the compiled graph is the
 * patched one, and its `inputs` carry the patch's strengths, which the session feeds on every call.
 */
import { patchedKey, type WeightPatch } from '../ldm-config';
import type { UnetModel } from './unet-model';
import type { UnetWeightSource } from './unet-weights';

/**
 * `base` with `patch` applied on load.
 * @example
 * const weights = patchedUnetWeights(model.weights, loraPatch);
 */
export function patchedUnetWeights(base: UnetWeightSource, patch: WeightPatch): UnetWeightSource {
  return Object.freeze({
    id: patchedKey(base.id, [patch]),
    origin: `${base.origin} + ${patch.label}`,
    load: async () => patch.apply(await base.load()),
    inputs: Object.freeze({ ...base.inputs, ...patch.inputs }),
  });
}

/**
 * A new MODEL whose weights have `patch` applied after the ones already there; `model` is untouched.
 * @example
 * const withLora = withWeightPatch(model, loraPatch);
 */
export function withWeightPatch(model: UnetModel, patch: WeightPatch): UnetModel {
  return Object.freeze({ ...model, weights: patchedUnetWeights(model.weights, patch) });
}
