/**
 * @module
 * A bias-free `torch.nn.Linear` on tokens [B, N, in] with its weight as stored ([out, in]): one Gemm
 * with `transB` on the rows, as the UNet's own projections run (models/unet/gemm-linear.ts), so no
 * transposed copy of adapter weights is made.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';

/**
 * `x @ weight^T` for `x` [B, N, in] and `weight` [out, in]: [B, N, out].
 * @example
 * const k = projectTokens(b, tokens, ctx.weight(`${point.order}.to_k_ip`), point.channels);
 */
export function projectTokens(
  b: OnnxBuilder,
  x: Value<'float32'>,
  weight: Value<'float32'>,
  outFeatures: number,
): Value<'float32'> {
  const inFeatures = weight.shape?.[1] ?? -1;
  const rows = b.op('Gemm', [b.op('Reshape', [x, b.constInt64([-1, Number(inFeatures)])]), weight], {
    transB: 1,
  });
  const lead = b.op('Slice', [
    b.op('Shape', [x], {}, { dtype: 'int64' }),
    b.constInt64([0]),
    b.constInt64([2]),
  ]);
  return b.op('Reshape', [rows, b.op('Concat', [lead, b.constInt64([outFeatures])], { axis: 0 })]);
}
