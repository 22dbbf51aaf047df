/**
 * @module
 * Shape-checked weights of the common torch layers, read from a `WeightScope` under the layer's
 * checkpoint name (`conv1` -> `conv1.weight`, `conv1.bias`), in the form the engine's ONNX helpers take.
 */
import type { GroupNormWeights, LayerNormWeights } from '@momaflow/engine';
import type { PatchedConvWeights, PatchedLinearWeights } from './low-rank-delta';
import type { WeightScope } from './weight-scope';

/**
 * `nn.Conv2d(inChannels, outChannels, kernel)` with bias, and the weight's low-rank deltas if any
 * (apply them with `withConvDeltas`).
 * @example
 * conv2d(b, convWeights(w, 'conv1', { inChannels: 128, outChannels: 256, kernel: 3 }), x, { padding: 1, name: 'conv1' });
 */
export function convWeights(
  w: WeightScope,
  name: string,
  o: { readonly inChannels: number; readonly outChannels: number; readonly kernel: number },
): PatchedConvWeights {
  return {
    weight: w.take(`${name}.weight`, [o.outChannels, o.inChannels, o.kernel, o.kernel]),
    bias: w.take(`${name}.bias`, [o.outChannels]),
    lowRank: w.lowRankOf(`${name}.weight`),
  };
}

/**
 * `nn.Linear(inFeatures, outFeatures)` with bias (unless `bias: false`), and the weight's low-rank
 * deltas if any.
 * @example
 * linear(b, linearWeights(w, 'q_proj', { inFeatures: 768, outFeatures: 768 }), x, { name: 'q_proj' });
 */
export function linearWeights(
  w: WeightScope,
  name: string,
  o: { readonly inFeatures: number; readonly outFeatures: number; readonly bias?: boolean },
): PatchedLinearWeights {
  return {
    weight: w.take(`${name}.weight`, [o.outFeatures, o.inFeatures]),
    bias: o.bias === false ? undefined : w.take(`${name}.bias`, [o.outFeatures]),
    lowRank: w.lowRankOf(`${name}.weight`),
  };
}

/**
 * Affine parameters of `nn.GroupNorm` / `nn.LayerNorm` over `channels`.
 * @example
 * groupNorm(b, normWeights(w, 'norm1', 512), x, { groups: 32, eps: 1e-6, name: 'norm1' });
 */
export function normWeights(
  w: WeightScope,
  name: string,
  channels: number,
): GroupNormWeights<'float32'> & LayerNormWeights<'float32'> {
  return { weight: w.take(`${name}.weight`, [channels]), bias: w.take(`${name}.bias`, [channels]) };
}
