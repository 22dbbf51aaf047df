/**
 * @module
 * `torch.nn.Linear` on rows ([rows, in] -> [rows, out]) as one Gemm with `transB = 1`: the weight is
 * stored exactly as the checkpoint holds it ([out, in], no transposed copy at build time) and the bias
 * is part of the op. The UNet keeps its tokens as rows for this reason: onnxruntime fuses a bias Add
 * into MatMul only for 2-D inputs, and the engine's `linear` (MatMul + Add on [B, N, C]) left the
 * feed-forward bias adds as separate full-size passes over memory.
 */
import type { LinearWeights, OnnxBuilder, Value } from '@momaflow/engine';

/** A linear layer's weight (and bias) as graph values, created once and used by any number of Gemms. */
export interface GemmWeights {
  readonly weight: Value<'float32'>;
  readonly bias: Value<'float32'> | undefined;
  readonly outFeatures: number;
}

/**
 * Store `w` under the current scope as `<name>.weight` / `<name>.bias` (checkpoint key names).
 * @example
 * const toQ = gemmWeights(b, { weight: w.take('to_q.weight', [320, 320]) }, 'to_q');
 */
export function gemmWeights(b: OnnxBuilder, w: LinearWeights<'float32'>, name: string): GemmWeights {
  return b.scope(name, () => ({
    weight: b.initializer('weight', w.weight),
    bias: w.bias === undefined ? undefined : b.initializer('bias', w.bias),
    outFeatures: w.weight.shape[0] ?? 0,
  }));
}

/**
 * `x @ W^T + bias` for `x` [rows, in].
 * @example
 * const h = gemm(b, gemmWeights(b, linearWeights(w, 'proj', { inFeatures: 320, outFeatures: 2560 }), 'proj'), rows);
 */
export function gemm(b: OnnxBuilder, w: GemmWeights, x: Value<'float32'>, name = 'Gemm'): Value<'float32'> {
  return b.op('Gemm', [x, w.weight, w.bias ?? null], { transB: 1 }, { name });
}

/**
 * A linear layer on rows under scope `name`, weights created here.
 * @example
 * const t = gemmLinear(b, linearWeights(w, 'time_emb_proj', { inFeatures: 1280, outFeatures: 320 }), temb, 'time_emb_proj');
 */
export function gemmLinear(
  b: OnnxBuilder,
  w: LinearWeights<'float32'>,
  x: Value<'float32'>,
  name: string,
): Value<'float32'> {
  const weights = gemmWeights(b, w, name);
  return b.scope(name, () => gemm(b, weights, x));
}
