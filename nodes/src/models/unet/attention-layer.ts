/**
 * @module
 * diffusers `Attention` with `AttnProcessor2_0` (models/attention_processor.py): q/k/v projections
 * without bias, multi-head scaled-dot-product attention, `to_out.0` with bias; and the hook point where
 * model patches replace or extend the attention output before `to_out`, as diffusers' processors do.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { attention, EngineError, fusedAttention, linear, Tensor } from '@momaflow/engine';
import type { WeightScope } from '../ldm-config';
import { linearWeights } from '../ldm-config';
import type { AttentionSetup } from './build-context';
import type { AttentionHookPoint } from './hook-points';
import type {
  AttendOptions,
  AttendResult,
  AttentionPatchContext,
  AttentionProjection,
  ModelPatch,
} from './model-patch';
import { pointKey } from './model-patch';
import { checkLocalName } from './patch-io';

/** Inputs of one attention layer. */
export interface AttentionLayerInput {
  readonly point: AttentionHookPoint;
  /** Normed hidden states [B, N, channels]. */
  readonly hidden: Value<'float32'>;
  /** Key/value source: `hidden` for self-attention, `encoder_hidden_states` for cross-attention. */
  readonly context: Value<'float32'>;
  /** int64 [2] height, width of the feature map, emitted on first use. */
  readonly featureSize: () => Value<'int64'>;
}

function memo<T>(fn: () => T): () => T {
  let done = false;
  let value: T | undefined;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value as T;
  };
}

/** [rows, cols] -> [cols, rows]: torch Linear weights as the right operand of MatMul. */
function transposed(t: Tensor<'float32'>): Tensor<'float32'> {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * cols);
  const src = t.data;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
  }
  return new Tensor('float32', [cols, rows], out);
}

/** The layer's projections as MatMul operands, created once (ORT drops any that stay unused). */
function projections(
  b: OnnxBuilder,
  w: WeightScope,
  point: AttentionHookPoint,
): Record<AttentionProjection, Value<'float32'>> {
  const shapes = {
    to_q: [point.channels, point.channels],
    to_k: [point.channels, point.contextChannels],
    to_v: [point.channels, point.contextChannels],
  } as const satisfies Record<AttentionProjection, readonly [number, number]>;
  const make = (name: AttentionProjection): Value<'float32'> =>
    b.scope(name, () => b.initializer('weight', transposed(w.take(`${name}.weight`, shapes[name]))));
  return { to_q: make('to_q'), to_k: make('to_k'), to_v: make('to_v') };
}

function patchContext(
  b: OnnxBuilder,
  setup: AttentionSetup,
  input: AttentionLayerInput,
  patch: ModelPatch,
  shared: Omit<AttentionPatchContext, 'b' | 'current' | 'input' | 'sharedInput' | 'weight'>,
  current: () => Value<'float32'>,
): AttentionPatchContext {
  const { point } = input;
  return {
    ...shared,
    b,
    current,
    input: (name, dtype, shape) => {
      checkLocalName(name, `input of patch '${patch.id}'`);
      return setup.io.input(patch.id, pointKey(point, name), dtype, shape);
    },
    sharedInput: (name, dtype, shape) => {
      checkLocalName(name, `input of patch '${patch.id}'`);
      return setup.io.sharedInput(patch.id, name, dtype, shape);
    },
    weight: (name, tensor) => b.initializer(name, tensor),
  };
}

/**
 * Build one attention layer under the current scope (`...transformer_blocks.0.attn1`), applying the
 * patches that choose `input.point`, in model order: each sees the previous one's output as `current()`.
 * @example
 * const out = b.scope('attn2', () => attentionLayer(b, w.at('attn2'), setup, { point, hidden: n, context: ehs, featureSize }));
 */
export function attentionLayer(
  b: OnnxBuilder,
  w: WeightScope,
  setup: AttentionSetup,
  input: AttentionLayerInput,
): Value<'float32'> {
  const { point, hidden, context } = input;
  const heads = point.heads;
  const scale = 1 / Math.sqrt(point.channels / heads);
  const weights = projections(b, w, point);
  const project = (which: AttentionProjection, x: Value<'float32'>): Value<'float32'> =>
    b.op('MatMul', [x, weights[which]], {}, { name: which });
  const attend = (
    q: Value<'float32'>,
    k: Value<'float32'>,
    v: Value<'float32'>,
    o: AttendOptions = {},
  ): AttendResult => {
    const opts = { heads, scale, name: 'sdpa', ...(o.bias === undefined ? {} : { bias: o.bias }) };
    if (o.withProbs === true || setup.kernel === 'plain') {
      const r = attention(b, q, k, v, opts);
      return { out: r.out, probs: o.withProbs === true ? r.probs : undefined };
    }
    return { out: fusedAttention(b, q, k, v, opts), probs: undefined };
  };
  const query = memo(() => project('to_q', hidden));
  const key = memo(() => project('to_k', context));
  const value = memo(() => project('to_v', context));
  const standardPlain = memo(() => attend(query(), key(), value(), { withProbs: true }));
  const standardFast = memo(() => attend(query(), key(), value()));
  const shared = {
    point,
    hidden,
    context,
    featureSize: input.featureSize,
    query,
    key,
    value,
    project,
    attend,
    standard: (o: { readonly withProbs?: boolean } = {}) =>
      o.withProbs === true ? standardPlain() : standardFast(),
  };

  let current = memo(() => standardFast().out);
  for (const patch of setup.patches) {
    if (!patch.appliesTo(point)) continue;
    const ctx = patchContext(b, setup, input, patch, shared, current);
    const result = b.scope(patch.id, () => patch.apply(ctx));
    for (const [name, v] of Object.entries(result.outputs ?? {})) {
      checkLocalName(name, `output of patch '${patch.id}'`);
      setup.io.output(patch.id, pointKey(point, name), v);
    }
    if (result.out !== undefined) {
      const out = result.out;
      current = () => out;
    }
  }
  const merged = current();
  if (merged.dtype !== 'float32') {
    throw new EngineError('patch_output_invalid', `attention output at '${point.id}' must be float32`);
  }
  const toOut = linearWeights(w.at('to_out'), '0', {
    inFeatures: point.channels,
    outFeatures: point.channels,
  });
  return b.scope('to_out', () => linear(b, toOut, merged, { name: '0' }));
}
