/**
 * @module
 * The MODEL value: a UNet's config, layout, hook points, weight source and patches, frozen. Patching
 * returns a new value and never touches the old one, so a MODEL can be cached and shared between
 * workflow nodes; the compiled graph is chosen by (weights, config, patch signatures, options).
 */
import { EngineError } from '@momaflow/engine';
import { type AttentionHookPoint, listHookPoints } from './hook-points';
import type { ModelPatch } from './model-patch';
import type { UnetConfig } from './unet-config';
import { type UnetLayout, unetLayout } from './unet-layout';
import type { UnetWeightSource } from './unet-weights';

/** An SD1.x UNet as the MODEL socket carries it. */
export interface UnetModel {
  readonly kind: 'sd1-unet';
  readonly config: UnetConfig;
  readonly layout: UnetLayout;
  /** Every attention layer, in diffusers' `attn_processors` order. */
  readonly hookPoints: readonly AttentionHookPoint[];
  readonly weights: UnetWeightSource;
  /** Applied in this order at each point they choose. */
  readonly patches: readonly ModelPatch[];
}

const PATCH_ID = /^[A-Za-z0-9_-]+$/;

/**
 * A MODEL without patches.
 * @example
 * const model = createUnetModel({ config: SD15_UNET_CONFIG, weights: await ldmUnetWeights(file, 2) });
 */
export function createUnetModel(o: {
  readonly config: UnetConfig;
  readonly weights: UnetWeightSource;
}): UnetModel {
  const layout = unetLayout(o.config);
  return Object.freeze({
    kind: 'sd1-unet',
    config: o.config,
    layout,
    hookPoints: listHookPoints(layout),
    weights: o.weights,
    patches: Object.freeze([]),
  });
}

/**
 * A new MODEL with `patch` applied after the existing ones.
 * @throws EngineError `invalid_patch` for a bad id, `duplicate_patch` when the id is already applied
 * (apply it to the unpatched MODEL instead of stacking two copies).
 * @example
 * const patched = withPatch(model, attentionMapsPatch);
 * patched !== model; model.patches.length === 0;
 */
export function withPatch(model: UnetModel, patch: ModelPatch): UnetModel {
  if (!PATCH_ID.test(patch.id)) {
    throw new EngineError('invalid_patch', `patch id '${patch.id}' must be letters, digits, '_' or '-'`, {
      patchId: patch.id,
    });
  }
  if (model.patches.some((p) => p.id === patch.id)) {
    throw new EngineError('duplicate_patch', `patch '${patch.id}' is already applied to this model`, {
      patchId: patch.id,
    });
  }
  return Object.freeze({ ...model, patches: Object.freeze([...model.patches, patch]) });
}
