/**
 * @module
 * Multi-head scaled-dot-product attention from plain ONNX ops, on already-projected q [B, N, C],
 * k [B, M, C], v [B, M, Cv]. Plain ops keep the softmax output addressable: hooks that need
 * cross-attention maps (MoMA's generated-subject mask) take `probs` as a graph output. See
 * `fusedAttention` for the onnxruntime contrib kernel that computes the same `out`.
 */
import { EngineError } from '../errors/engine-error';
import type { FloatDType } from './dtypes';
import type { OnnxBuilder } from './onnx-builder';
import type { Value } from './value';

/** Options shared by `attention` and `fusedAttention`. */
export interface AttentionOptions<D extends FloatDType = FloatDType> {
  readonly heads: number;
  /** Multiplier of q·k; default `1 / sqrt(C / heads)`, which needs a static channel dim on `q`. */
  readonly scale?: number;
  /** Additive bias on the scores, broadcastable to [B, heads, N, M] (masks as 0 / -inf-like). */
  readonly bias?: Value<D>;
  /** Node-name scope, e.g. `'attn1'`. */
  readonly name?: string;
}

/** Outputs of `attention`. */
export interface AttentionResult<D extends FloatDType> {
  /** [B, N, Cv]. */
  readonly out: Value<D>;
  /** Softmax probabilities [B, heads, N, M]; each row sums to 1. Unused unless made a graph output. */
  readonly probs: Value<D>;
}

/** The score scale: explicit, or 1/sqrt(head dim) from q's static channel dim. */
export function attentionScale(q: Value, o: { heads: number; scale?: number | undefined }): number {
  if (!Number.isInteger(o.heads) || o.heads < 1) {
    throw new EngineError('invalid_option', `'heads' ${o.heads} must be a positive integer`);
  }
  if (o.scale !== undefined) return o.scale;
  const c = q.shape?.[2];
  if (typeof c !== 'number') {
    throw new EngineError('unknown_dim', `attention on '${q.name}' needs 'scale' or a static channel dim`);
  }
  if (c % o.heads !== 0) {
    throw new EngineError('invalid_option', `'heads' ${o.heads} must divide ${c} channels of '${q.name}'`);
  }
  return 1 / Math.sqrt(c / o.heads);
}

/**
 * softmax(q kᵀ · scale + bias) v, per head.
 * @example
 * const { out, probs } = attention(b, q, k, v, { heads: 8, name: 'attn2' });
 * b.output(probs, 'down.0.attn.0.cross.probs');
 */
export function attention<D extends FloatDType>(
  b: OnnxBuilder,
  q: Value<D>,
  k: Value<D>,
  v: Value<D>,
  o: AttentionOptions<D>,
): AttentionResult<D> {
  const emit = (): AttentionResult<D> => {
    const scale = attentionScale(q, o);
    const split = b.constInt64([0, 0, o.heads, -1]);
    // Scale q before the product: N·C multiplies instead of N·M·heads, same result up to rounding.
    const qs = b.op('Mul', [q, b.constFloat(q.dtype, scale)]);
    const qh = b.op('Transpose', [b.op('Reshape', [qs, split])], { perm: [0, 2, 1, 3] });
    const kt = b.op('Transpose', [b.op('Reshape', [k, split])], { perm: [0, 2, 3, 1] });
    const vh = b.op('Transpose', [b.op('Reshape', [v, split])], { perm: [0, 2, 1, 3] });
    let scores = b.op('MatMul', [qh, kt], {}, { name: 'scores' });
    if (o.bias !== undefined) scores = b.op('Add', [scores, o.bias]);
    const probs = b.op('Softmax', [scores], { axis: -1 }, { name: 'probs' });
    const ctx = b.op('MatMul', [probs, vh]);
    const merged = b.op('Transpose', [ctx], { perm: [0, 2, 1, 3] });
    const vc = v.shape?.[2];
    const shape = q.shape === undefined || vc === undefined ? undefined : [q.shape[0]!, q.shape[1]!, vc];
    const out = b.op('Reshape', [merged, b.constInt64([0, 0, -1])], {}, { shape });
    return { out, probs };
  };
  return o.name === undefined ? emit() : b.scope(o.name, emit);
}
