/**
 * @module
 * The VAE mid-block self-attention (diffusers `Attention` with `group_norm`, one head over all
 * channels, residual added; LDM's `AttnBlock`). Pixels become tokens: [B, C, H, W] -> [B, HW, C].
 */
import type { Value } from '@momaflow/engine';
import { attention, fusedAttention, linear, type OnnxBuilder } from '@momaflow/engine';
import type { WeightScope } from '../ldm-config';
import { linearWeights, normWeights } from '../ldm-config';
import { vaeGroupNorm } from './vae-group-norm';
import type { VaeNormOptions } from './vae-resnet';

/** Which attention kernel to emit. */
export type VaeAttentionKernel = 'fused' | 'plain';

/** Options of `vaeAttentionBlock`. */
export interface VaeAttentionOptions extends VaeNormOptions {
  readonly channels: number;
  /** `'fused'`: onnxruntime's MultiHeadAttention; `'plain'`: MatMul/Softmax ops. */
  readonly kernel: VaeAttentionKernel;
}

/**
 * Self-attention over the pixels of `x` [B, C, H, W] at the scope of `w` (`mid_block.attentions.0`).
 * @example
 * const h = inScope(b, w, ['attentions', 0], (aw) => vaeAttentionBlock(b, aw, x, { channels: 512, groups: 32, eps: 1e-6, kernel: 'fused' }));
 */
export function vaeAttentionBlock(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: VaeAttentionOptions,
): Value<'float32'> {
  const c = o.channels;
  const normed = vaeGroupNorm(b, normWeights(w, 'group_norm', c), x, {
    groups: o.groups,
    channels: c,
    eps: o.eps,
    name: 'group_norm',
  });
  const tokens = b.op(
    'Transpose',
    [b.op('Reshape', [normed, b.constInt64([0, c, -1])])],
    { perm: [0, 2, 1] },
    {
      shape: ['batch', 'pixels', c],
    },
  );
  const proj = (name: string): Value<'float32'> =>
    linear(b, linearWeights(w, name, { inFeatures: c, outFeatures: c }), tokens, { name });
  const [q, k, v] = [proj('to_q'), proj('to_k'), proj('to_v')];
  const opts = { heads: 1, scale: 1 / Math.sqrt(c) };
  const attended = o.kernel === 'fused' ? fusedAttention(b, q, k, v, opts) : attention(b, q, k, v, opts).out;
  const out = b.scope('to_out', () =>
    linear(b, linearWeights(w.at('to_out'), '0', { inFeatures: c, outFeatures: c }), attended, { name: '0' }),
  );
  const spatial = b.op('Reshape', [
    b.op('Transpose', [out], { perm: [0, 2, 1] }),
    b.op('Shape', [x], {}, { dtype: 'int64' }),
  ]);
  return b.op('Add', [spatial, x]);
}
