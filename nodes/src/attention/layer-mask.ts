/**
 * @module
 * The graph side of an injection mask: the patch's per-step `mask` input [B, 1, h, w] resized by
 * nearest neighbour to the layer's feature map (as MoMA's `F.interpolate(mask, size)`: source index
 * floor(i * in / out)), as [B, N, 1] to scale an attention output [B, N, C] per query position.
 */
import type { Value } from '@momaflow/engine';
import type { AttentionPatchContext } from '../models/unet';

/**
 * Declare (once per patch) the `mask` step input and return it at this layer's size.
 * @example
 * const out = b.op('Mul', [injected, layerMask(ctx, 'ip')]);
 */
export function layerMask(ctx: AttentionPatchContext, dimPrefix: string): Value<'float32'> {
  const { b } = ctx;
  const mask = ctx.patchInput('mask', 'float32', [
    'batch',
    1,
    `${dimPrefix}_mask_height`,
    `${dimPrefix}_mask_width`,
  ]);
  const lead = b.op('Slice', [
    b.op('Shape', [mask], {}, { dtype: 'int64' }),
    b.constInt64([0]),
    b.constInt64([2]),
  ]);
  const resized = b.op('Resize', [mask, null, null, b.op('Concat', [lead, ctx.featureSize()], { axis: 0 })], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  return b.op('Reshape', [resized, b.constInt64([0, -1, 1])]);
}
