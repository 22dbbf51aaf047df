/**
 * @module
 * HF `LlamaDecoderLayer` for a prefill pass: pre-RMSNorm causal self-attention with rotary
 * positions and grouped key/value heads, then a pre-RMSNorm SwiGLU MLP, each added to the residual.
 * x + o_proj(attn(rope(q_proj(n1)), rope(k_proj(n1)), v_proj(n1))), then + down(silu(gate(n2)) * up(n2)).
 */
import type { OnnxBuilder, RotaryTables, Value, WeightQuantization } from '@momaflow/engine';
import { applyRotary, fusedAttention, quantizedLinear, rmsNorm, silu } from '@momaflow/engine';
import { inScope, type WeightScope } from '../ldm-config';
import type { LlamaConfig } from './llama-config';

/** The Linear projections of a decoder layer, by their HF names. */
export const LLAMA_PROJECTIONS = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;
export type LlamaProjection = (typeof LLAMA_PROJECTIONS)[number];

/** How each projection of a decoder layer stores its weight. */
export type LlamaQuantization = Readonly<Record<LlamaProjection, WeightQuantization>>;

/**
 * `base` for every projection except those `overrides` names.
 * @example
 * llamaQuantization(INT4, { down_proj: INT8 });
 */
export function llamaQuantization(
  base: WeightQuantization,
  overrides: Partial<LlamaQuantization> = {},
): LlamaQuantization {
  return Object.fromEntries(LLAMA_PROJECTIONS.map((p) => [p, overrides[p] ?? base])) as LlamaQuantization;
}

/** Options of `llamaDecoderLayer`. */
export interface LlamaLayerOptions {
  readonly config: LlamaConfig;
  readonly rope: RotaryTables;
  /** Additive causal mask [1, 1, S, S]. */
  readonly mask: Value<'float32'>;
  readonly quantization: LlamaQuantization;
}

/** transformers `repeat_kv`: each key/value head serves `heads / kvHeads` query heads in a row. */
function repeatKv(b: OnnxBuilder, x: Value<'float32'>, c: LlamaConfig): Value<'float32'> {
  const rep = c.heads / c.kvHeads;
  if (rep === 1) return x;
  const split = b.op('Reshape', [x, b.constInt64([0, 0, c.kvHeads, 1, c.headDim])]);
  const shape = b.op(
    'Concat',
    [
      b.op('Slice', [b.op('Shape', [x], {}, { dtype: 'int64' }), b.constInt64([0]), b.constInt64([2])]),
      b.constInt64([c.kvHeads, rep, c.headDim]),
    ],
    { axis: 0 },
  );
  return b.op('Reshape', [b.op('Expand', [split, shape]), b.constInt64([0, 0, c.heads * c.headDim])]);
}

/** A bias-free projection `name.weight` [outF, inF] of `x`, stored as the layer's quantization says. */
function projection(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: {
    readonly name: LlamaProjection;
    readonly inF: number;
    readonly outF: number;
    readonly quantization: LlamaQuantization;
  },
): Value<'float32'> {
  const { name, quantization } = o;
  return quantizedLinear(b, { weight: w.take(`${name}.weight`, [o.outF, o.inF]) }, x, {
    name,
    quantization: quantization[name],
  });
}

function selfAttention(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: LlamaLayerOptions,
): Value<'float32'> {
  const c = o.config;
  const { quantization } = o;
  const project = (name: LlamaProjection, input: Value<'float32'>, inF: number, outF: number) =>
    projection(b, w, input, { name, inF, outF, quantization });
  const q = applyRotary(b, project('q_proj', x, c.hiddenSize, c.heads * c.headDim), o.rope, {
    heads: c.heads,
    name: 'q_rope',
  });
  const k = applyRotary(b, project('k_proj', x, c.hiddenSize, c.kvHeads * c.headDim), o.rope, {
    heads: c.kvHeads,
    name: 'k_rope',
  });
  const v = project('v_proj', x, c.hiddenSize, c.kvHeads * c.headDim);
  const ctx = fusedAttention(b, q, repeatKv(b, k, c), repeatKv(b, v, c), {
    heads: c.heads,
    scale: 1 / Math.sqrt(c.headDim),
    bias: o.mask,
    name: 'attention',
  });
  return project('o_proj', ctx, c.heads * c.headDim, c.hiddenSize);
}

function mlp(b: OnnxBuilder, w: WeightScope, x: Value<'float32'>, o: LlamaLayerOptions): Value<'float32'> {
  const { hiddenSize: h, intermediateSize: i } = o.config;
  const { quantization } = o;
  const up = (name: LlamaProjection) => projection(b, w, x, { name, inF: h, outF: i, quantization });
  const gated = b.op('Mul', [silu(b, up('gate_proj')), up('up_proj')]);
  return projection(b, w, gated, { name: 'down_proj', inF: i, outF: h, quantization });
}

/**
 * One decoder layer on x [1, S, hidden], weights and initializer names at the scope of `w`
 * (`model.layers.{i}`).
 * @example
 * h = inScope(b, root, ['model', 'layers', i], (lw) => llamaDecoderLayer(b, lw, h, { config, rope, mask, quantization }));
 */
export function llamaDecoderLayer(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: LlamaLayerOptions,
): Value<'float32'> {
  const c = o.config;
  const norm = (name: string, input: Value<'float32'>) =>
    rmsNorm(b, { weight: w.take(`${name}.weight`, [c.hiddenSize]) }, input, { eps: c.rmsNormEps, name });
  const attended = b.op('Add', [
    x,
    inScope(b, w, ['self_attn'], (aw) => selfAttention(b, aw, norm('input_layernorm', x), o)),
  ]);
  const normed = norm('post_attention_layernorm', attended);
  return b.op(
    'Add',
    [attended, inScope(b, w, ['mlp'], (mw) => mlp(b, mw, normed, o))],
    {},
    { shape: x.shape },
  );
}
