/**
 * @module
 * What scales an injected attention output per query position: nothing, a MASK given by the user, or
 * the mask a generated-mask patch (attention-map-patch.ts) made from the previous call's
 * cross-attention maps (MoMA's iterative subject mask; none on the first call). Every kind feeds the
 * same per-step graph input, one mask per batch row, so changing the kind never changes the graph.
 */
import { EngineError, Tensor } from '@momaflow/engine';
import type { BatchRow, PatchStepInfo } from '../models/unet';

/** Makes a mask per latent from the previous call of the run. */
export interface GeneratedMaskSource {
  /** The patch whose outputs the mask comes from. */
  readonly patchId: string;
  /** [latents, 1, h, w] from `step.previousOutputs`, or `undefined` (first call, nothing to go by). */
  maskAfter(step: PatchStepInfo): Tensor<'float32'> | undefined;
}

/** Where an injection's mask comes from. */
export type InjectionMask =
  | { readonly kind: 'none' }
  /** A MASK [1 or latents, H, W]: any size, resized to each layer. */
  | { readonly kind: 'static'; readonly mask: Tensor<'float32'> }
  | { readonly kind: 'generated'; readonly source: GeneratedMaskSource };

/** No mask. */
export const NO_MASK: InjectionMask = Object.freeze({ kind: 'none' });

/**
 * Per-latent masks [latents | 1, 1, h, w] repeated onto the batch rows by each row's latent.
 * @example
 * rowMasks(generated, run.rows).shape; // [rows, 1, h, w]
 */
export function rowMasks(perLatent: Tensor<'float32'>, rows: readonly BatchRow[]): Tensor<'float32'> {
  const [latents = 0, , h = 0, w = 0] = perLatent.shape;
  const per = h * w;
  const out = Tensor.zeros('float32', [rows.length, 1, h, w]);
  rows.forEach((row, r) => {
    const from = latents === 1 ? 0 : row.latent;
    if (from >= latents) {
      throw new EngineError('invalid_mask', `the mask has ${latents} entries; latent ${row.latent} has none`);
    }
    out.data.set(perLatent.data.subarray(from * per, (from + 1) * per), r * per);
  });
  return out;
}

/**
 * The per-step `mask` feed of an injection: [rows, 1, h, w], or ones [rows, 1, 1, 1] when no mask
 * applies at this call.
 * @example
 * stepInputs: (step) => ({ mask: injectionMaskFeed(o.mask, step) })
 */
export function injectionMaskFeed(mask: InjectionMask, step: PatchStepInfo): Tensor<'float32'> {
  const { rows } = step.run;
  const ones = () => Tensor.filled([rows.length, 1, 1, 1], 1);
  switch (mask.kind) {
    case 'none':
      return ones();
    case 'static': {
      const [n = 0, h = 0, w = 0] = mask.mask.shape;
      return rowMasks(new Tensor('float32', [n, 1, h, w], mask.mask.data), rows);
    }
    case 'generated': {
      const generated = mask.source.maskAfter(step);
      return generated === undefined ? ones() : rowMasks(generated, rows);
    }
  }
}
