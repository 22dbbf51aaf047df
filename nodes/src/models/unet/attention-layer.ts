/**
 * @module
 * diffusers `Attention` with `AttnProcessor2_0` (models/attention_processor.py): q/k/v projections
 * without bias, multi-head scaled-dot-product attention, `to_out.0` with bias; and the hook point where
 * model patches replace or extend the attention output before `to_out`, as diffusers' processors do.
 * Projections run on rows ([B * N, C], see gemm-linear.ts); patches see the usual [B, N, C] values.
 */
import type { OnnxBuilder, Tensor, Value } from '@momaflow/engine';
import { attention, EngineError, fusedAttention } from '@momaflow/engine';
import type { WeightScope } from '../ldm-config';
import { linearWeights } from '../ldm-config';
import type { AttentionSetup } from './build-context';
import { type GemmWeights, gemm, gemmWeights } from './gemm-linear';
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
  /** Normed hidden states as rows [B * N, channels]. */
  readonly hiddenRows: Value<'float32'>;
  /** `encoder_hidden_states` [B, M, D] and its rows, for cross-attention; absent for self-attention. */
  readonly cross: { readonly context: Value<'float32'>; readonly rows: Value<'float32'> } | undefined;
  /** int64 [1]: the batch size. */
  readonly batch: Value<'int64'>;
  /** int64 [2] height, width of the feature map, emitted on first use. */
  readonly featureSize: () => Value<'int64'>;
}

/** A weight the patch declared; asking for another is a bug in the patch. */
function patchWeight(patch: ModelPatch, name: string): Tensor<'float32'> {
  const tensor = patch.weights?.get(name);
  if (tensor === undefined) {
    throw new EngineError(
      'patch_weight_unknown',
      `patch '${patch.id}' has no weight '${name}' in its 'weights'`,
      {
        patchId: patch.id,
        name,
      },
    );
  }
  return tensor;
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

/** `bias` [B|1, H|1, N|1, M|1] expanded over its last two axes to [.., N, M] of `q` [B, N, C], `k` [B, M, C]. */
function fullBias(
  b: OnnxBuilder,
  bias: Value<'float32'>,
  q: Value<'float32'>,
  k: Value<'float32'>,
): Value<'float32'> {
  const dim = (x: Value, from: number, to: number) =>
    b.op('Slice', [b.op('Shape', [x], {}, { dtype: 'int64' }), b.constInt64([from]), b.constInt64([to])]);
  const shape = b.op('Concat', [dim(bias, 0, 2), dim(q, 1, 2), dim(k, 1, 2)], { axis: 0 });
  return b.op('Expand', [bias, shape]);
}

/** The layer's q/k/v weights, stored as the checkpoint holds them. */
function projections(
  b: OnnxBuilder,
  w: WeightScope,
  point: AttentionHookPoint,
): Record<AttentionProjection, GemmWeights> {
  const make = (name: AttentionProjection, inFeatures: number): GemmWeights =>
    gemmWeights(b, linearWeights(w, name, { inFeatures, outFeatures: point.channels, bias: false }), name);
  return {
    to_q: make('to_q', point.channels),
    to_k: make('to_k', point.contextChannels),
    to_v: make('to_v', point.contextChannels),
  };
}

/**
 * Build one attention layer under the current scope (`...transformer_blocks.0.attn1`), applying the
 * patches that choose `input.point` in model order (each sees the previous one's output as
 * `current()`). Returns the `to_out` output as rows [B * N, channels].
 * @example
 * const rows = inScope(b, w, ['attn1'], (aw) => attentionLayer(b, aw, setup, { point, hiddenRows, cross: undefined, batch, featureSize }));
 */
export function attentionLayer(
  b: OnnxBuilder,
  w: WeightScope,
  setup: AttentionSetup,
  input: AttentionLayerInput,
): Value<'float32'> {
  const { point, hiddenRows } = input;
  const { heads, channels } = point;
  const scale = 1 / Math.sqrt(channels / heads);
  const weights = projections(b, w, point);
  const tokens = (rows: Value<'float32'>): Value<'float32'> =>
    b.op('Reshape', [rows, b.op('Concat', [input.batch, b.constInt64([-1, channels])], { axis: 0 })]);
  const hidden = memo(() => tokens(hiddenRows));
  const contextRows = input.cross?.rows ?? hiddenRows;
  const project = (which: AttentionProjection, x: Value<'float32'>): Value<'float32'> => {
    const inFeatures = which === 'to_q' ? channels : point.contextChannels;
    const lead = b.op('Slice', [
      b.op('Shape', [x], {}, { dtype: 'int64' }),
      b.constInt64([0]),
      b.constInt64([-1]),
    ]);
    const rows = gemm(b, weights[which], b.op('Reshape', [x, b.constInt64([-1, inFeatures])]), which);
    return b.op('Reshape', [rows, b.op('Concat', [lead, b.constInt64([channels])], { axis: 0 })]);
  };
  const attend = (q: Value<'float32'>, k: Value<'float32'>, v: Value<'float32'>, o: AttendOptions = {}) => {
    if (o.withProbs === true || setup.kernel === 'plain') {
      const r = attention(b, q, k, v, {
        heads,
        scale,
        name: 'sdpa',
        ...(o.bias === undefined ? {} : { bias: o.bias }),
      });
      return { out: r.out, probs: o.withProbs === true ? r.probs : undefined } satisfies AttendResult;
    }
    // onnxruntime's MultiHeadAttention broadcasts only the batch and head axes of its bias.
    const bias = o.bias === undefined ? undefined : fullBias(b, o.bias, q, k);
    const out = fusedAttention(b, q, k, v, {
      heads,
      scale,
      name: 'sdpa',
      ...(bias === undefined ? {} : { bias }),
    });
    return { out, probs: undefined } satisfies AttendResult;
  };
  const query = memo(() => tokens(gemm(b, weights.to_q, hiddenRows, 'to_q')));
  const key = memo(() => tokens(gemm(b, weights.to_k, contextRows, 'to_k')));
  const value = memo(() => tokens(gemm(b, weights.to_v, contextRows, 'to_v')));
  let standardResult: AttendResult | undefined;
  const standard = (o: { readonly withProbs?: boolean } = {}): AttendResult => {
    // The plain form, once emitted for its probabilities, also serves callers that need only `out`.
    if (standardResult === undefined || (o.withProbs === true && standardResult.probs === undefined)) {
      standardResult = attend(query(), key(), value(), { withProbs: o.withProbs === true });
    }
    return standardResult;
  };
  const shared = {
    point,
    featureSize: input.featureSize,
    query,
    key,
    value,
    project,
    attend,
    standard,
  };

  let current = memo(() => standard().out);
  for (const patch of setup.patches) {
    if (!patch.appliesTo(point)) continue;
    const ctx: AttentionPatchContext = {
      ...shared,
      b,
      hidden: hidden(),
      context: input.cross?.context ?? hidden(),
      current,
      pointInput: (name, dtype, shape, o = {}) => {
        checkLocalName(name, `input of patch '${patch.id}'`);
        return setup.io.pointInput(patch.id, pointKey(point, name), dtype, shape, o.per ?? 'step');
      },
      patchInput: (name, dtype, shape, o = {}) => {
        checkLocalName(name, `input of patch '${patch.id}'`);
        return setup.io.patchInput(patch.id, name, dtype, shape, o.per ?? 'step');
      },
      weight: (name) => b.initializer(name, patchWeight(patch, name)),
    };
    const result = b.scope(patch.id, () => patch.apply(ctx));
    const outputs = [
      ['sample', result.outputs],
      ['reference', result.referenceOutputs],
    ] as const;
    for (const [pass, values] of outputs) {
      for (const [name, v] of Object.entries(values ?? {})) {
        checkLocalName(name, `output of patch '${patch.id}'`);
        setup.io.output(patch.id, pointKey(point, name), v, pass);
      }
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
  const toOut = linearWeights(w.at('to_out'), '0', { inFeatures: channels, outFeatures: channels });
  return b.scope('to_out', () =>
    gemm(b, gemmWeights(b, toOut, '0'), b.op('Reshape', [merged, b.constInt64([-1, channels])]), '0'),
  );
}
