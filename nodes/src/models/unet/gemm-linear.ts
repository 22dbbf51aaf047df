/**
 * @module
 * `torch.nn.Linear` on rows ([rows, in] -> [rows, out]) as one Gemm with `transB = 1`: the weight is
 * stored exactly as the checkpoint holds it ([out, in], no transposed copy at build time) and the bias
 * is part of the op. The UNet keeps its tokens as rows for this reason: onnxruntime fuses a bias Add
 * into MatMul only for 2-D inputs, and the engine's `linear` (MatMul + Add on [B, N, C]) left the
 * feed-forward bias adds as separate full-size passes over memory. A weight's low-rank deltas (LoRA)
 * run as branches of every Gemm that uses it.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { addLowRankRows, type LowRankBinding, type PatchedLinearWeights } from '../ldm-config';

/** A linear layer's weight (and bias) as graph values, created once and used by any number of Gemms. */
export interface GemmWeights {
  readonly weight: Value<'float32'>;
  readonly bias: Value<'float32'> | undefined;
  readonly outFeatures: number;
  /** The weight's low-rank deltas, as graph values. */
  readonly lowRank: LowRankBinding | undefined;
}

/**
 * Store `w` under the current scope as `<name>.weight` / `<name>.bias` (checkpoint key names).
 * @example
 * const toQ = gemmWeights(b, { weight: w.take('to_q.weight', [320, 320]) }, 'to_q');
 */
export function gemmWeights(b: OnnxBuilder, w: PatchedLinearWeights, name: string): GemmWeights {
  return b.scope(name, () => ({
    weight: b.initializer('weight', w.weight),
    bias: w.bias === undefined ? undefined : b.initializer('bias', w.bias),
    outFeatures: w.weight.shape[0] ?? 0,
    lowRank: w.lowRank?.(),
  }));
}

/**
 * `x @ W^T + bias` for `x` [rows, in], plus the weight's low-rank branches.
 * @example
 * const h = gemm(b, gemmWeights(b, linearWeights(w, 'proj', { inFeatures: 320, outFeatures: 2560 }), 'proj'), rows);
 */
export function gemm(b: OnnxBuilder, w: GemmWeights, x: Value<'float32'>, name = 'Gemm'): Value<'float32'> {
  const y = b.op('Gemm', [x, w.weight, w.bias ?? null], { transB: 1 }, { name });
  return w.lowRank === undefined ? y : addLowRankRows(b, w.lowRank, x, y);
}

/**
 * A linear layer on rows under scope `name`, weights created here.
 * @example
 * const t = gemmLinear(b, linearWeights(w, 'time_emb_proj', { inFeatures: 1280, outFeatures: 320 }), temb, 'time_emb_proj');
 */
export function gemmLinear(
  b: OnnxBuilder,
  w: PatchedLinearWeights,
  x: Value<'float32'>,
  name: string,
): Value<'float32'> {
  const weights = gemmWeights(b, w, name);
  return b.scope(name, () => gemm(b, weights, x));
}
