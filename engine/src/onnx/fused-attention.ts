/**
 * @module
 * The same attention as `attention`, as one `com.microsoft` MultiHeadAttention node, which
 * onnxruntime runs with its fused CPU/GPU kernels. It exposes no probabilities: a hook that needs
 * attention maps at a layer uses `attention` there.
 */

import { type AttentionOptions, attentionScale } from './attention';
import { attrFloat } from './attributes';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/**
 * softmax(q kᵀ · scale + bias) v with onnxruntime's MultiHeadAttention (inputs: query, key, value,
 * packed-bias, key_padding_mask, attention_bias [B|1, heads|1, N, M]).
 * @example
 * const out = fusedAttention(b, q, k, v, { heads: 8, name: 'attn1' });
 */
export function fusedAttention<D extends FloatDType>(
  b: OnnxBuilder,
  q: Value<D>,
  k: Value<D>,
  v: Value<D>,
  o: AttentionOptions<D>,
): Value<D> {
  const emit = (): Value<D> => {
    const scale = attentionScale(q, o);
    const vc = v.shape?.[2];
    const shape = q.shape === undefined || vc === undefined ? undefined : [q.shape[0]!, q.shape[1]!, vc];
    return b.op(
      'MultiHeadAttention',
      [q, k, v, null, null, o.bias ?? null],
      { num_heads: o.heads, scale: attrFloat(scale) },
      { domain: 'com.microsoft', shape },
    );
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
