/**
 * @module
 * The typed contract between the UNet builder and model patches (attention injection, attention-map
 * capture, ...). A patch is applied at graph-build time at the hook points it chooses: it reads the
 * layer's inputs, may compute attention of its own (with new weights, over extra tokens, under a mask),
 * returns the layer's new attention output and extra graph outputs, and declares graph inputs whose
 * values it provides per sampler step. Like diffusers' attention processors (one object per layer,
 * `attn_processors`), but a patch returns values instead of mutating module state, so compiled graphs
 * stay cacheable by `signature`.
 */
import type { Dim, DType, OnnxBuilder, Tensor, Value } from '@momaflow/engine';
import type { AttentionHookPoint } from './hook-points';

/** A projection of the layer's own weights. */
export type AttentionProjection = 'to_q' | 'to_k' | 'to_v';

/** Options of `AttentionPatchContext.attend`. */
export interface AttendOptions {
  /** Additive score bias broadcastable to [B, heads, N, M] (0 keeps, a large negative drops a key). */
  readonly bias?: Value<'float32'>;
  /** Also return the softmax probabilities (forces the plain-op attention for this call). */
  readonly withProbs?: boolean;
}

/** Result of an attention computed by the context. */
export interface AttendResult {
  /** [B, N, channels], heads merged: the value diffusers feeds to `to_out`. */
  readonly out: Value<'float32'>;
  /** [B, heads, N, M] when `withProbs` was asked for. */
  readonly probs: Value<'float32'> | undefined;
}

/**
 * What a patch sees at one hook point while the graph is built. Values are graph values, not data.
 * Projections and attention are emitted only when asked for, so a patch that replaces the layer's
 * attention does not pay for the standard one.
 */
export interface AttentionPatchContext {
  readonly point: AttentionHookPoint;
  /** The graph builder, scoped under `<point.id>.<patch.id>` so names stay unique and readable. */
  readonly b: OnnxBuilder;
  /** Normed hidden states [B, N, channels] entering the layer (the query source). */
  readonly hidden: Value<'float32'>;
  /** What keys and values come from: `encoder_hidden_states` [B, M, contextChannels], or `hidden` for self. */
  readonly context: Value<'float32'>;
  /** int64 [2]: height and width of this layer's feature map (N = height * width). */
  featureSize(): Value<'int64'>;
  /** `to_q(hidden)`, emitted once. */
  query(): Value<'float32'>;
  /** `to_k(context)`, emitted once. */
  key(): Value<'float32'>;
  /** `to_v(context)`, emitted once. */
  value(): Value<'float32'>;
  /** One of the layer's own projections applied to any value (e.g. `to_k` of the text tokens only). */
  project(which: AttentionProjection, x: Value<'float32'>): Value<'float32'>;
  /** Multi-head attention with this layer's heads and scale (1/sqrt(head dim)). */
  attend(q: Value<'float32'>, k: Value<'float32'>, v: Value<'float32'>, o?: AttendOptions): AttendResult;
  /** The layer's standard attention `attend(query(), key(), value())`, emitted once per `withProbs`. */
  standard(o?: { readonly withProbs?: boolean }): AttendResult;
  /** The attention output so far: the previous patch's `out` at this point, else `standard().out`. */
  current(): Value<'float32'>;
  /** A graph input for this point only, fed per step under the key `pointKey(point, name)`. */
  input<D extends DType>(name: string, dtype: D, shape: readonly Dim[]): Value<D>;
  /** A graph input shared by every point of this patch, fed per step under the key `name`. */
  sharedInput<D extends DType>(name: string, dtype: D, shape: readonly Dim[]): Value<D>;
  /** A new constant weight of this patch (e.g. `to_k_ip.weight`), stored under the patch's scope. */
  weight<D extends DType>(name: string, tensor: Tensor<D>): Value<D>;
}

/** What a patch returns at one point. */
export interface AttentionPatchResult {
  /** Replaces the attention output (before `to_out`, where diffusers processors combine paths). */
  readonly out?: Value<'float32'>;
  /** Extra graph outputs, returned per step under the key `pointKey(point, name)`. */
  readonly outputs?: Readonly<Record<string, Value>>;
}

/** What a patch learns about the UNet call it feeds. */
export interface PatchStepInfo {
  /** 0-based index of the UNet call within the sampling run. */
  readonly index: number;
  /** The UNet timestep of this call (first batch entry). */
  readonly timestep: number;
  /** The sampler's sigma, when it has one. */
  readonly sigma: number | undefined;
  readonly batch: number;
  /** Latent height and width. */
  readonly height: number;
  readonly width: number;
  /** This patch's outputs of the previous call of the same run (`undefined` on the first). */
  readonly previousOutputs: Readonly<Record<string, Tensor<DType>>> | undefined;
}

/**
 * A build-time modification of the UNet. `signature` must change whenever the graph `apply` builds
 * would change (settings baked in as constants, adapter weights' hash...): compiled graphs are cached
 * by it, so two patches with one signature share a graph. Values fed per step are not part of the
 * signature: each run asks the running MODEL's own patch instances for them.
 * @example
 * const gain: ModelPatch = {
 *   id: 'gain',
 *   signature: 'gain/v1:up_blocks.1.attentions.0.transformer_blocks.0.attn2',
 *   appliesTo: (p) => p.id === 'up_blocks.1.attentions.0.transformer_blocks.0.attn2',
 *   apply: (ctx) => ({ out: ctx.b.op('Mul', [ctx.current(), ctx.sharedInput('gain', 'float32', [1])]) }),
 *   stepInputs: () => ({ gain: new Tensor('float32', [1], Float32Array.of(0.5)) }),
 * };
 * const patched = withPatch(model, gain);
 */
export interface ModelPatch {
  /** Unique within a model; letters, digits, `_` and `-` (used in graph names). */
  readonly id: string;
  readonly signature: string;
  appliesTo(point: AttentionHookPoint): boolean;
  apply(ctx: AttentionPatchContext): AttentionPatchResult;
  /** Values for every input the patch declared, keyed as declared. Required when it declared any. */
  stepInputs?(step: PatchStepInfo): Readonly<Record<string, Tensor<DType>>>;
}

/**
 * The key of a per-point input or output: `<point id>/<name>`.
 * @example
 * result.patchOutputs.maps?.[pointKey(point, 'probs')];
 * // in stepInputs: { [pointKey('down_blocks.0.attentions.0.transformer_blocks.0.attn1', 'ref_k')]: refK }
 */
export function pointKey(point: AttentionHookPoint | string, name: string): string {
  return `${typeof point === 'string' ? point : point.id}/${name}`;
}
