/**
 * @module
 * The typed contract between the UNet builder and model patches (attention injection, attention-map
 * capture, ...). A patch is applied at graph-build time at the hook points it chooses: it reads the
 * layer's inputs, may compute attention of its own (with new weights, over extra tokens, under a mask),
 * returns the layer's new attention output and extra graph outputs, and declares graph inputs whose
 * values it provides per run or per sampler step. Like diffusers' attention processors (one object per
 * layer, `attn_processors`), but a patch returns values instead of mutating module state, so compiled
 * graphs stay cacheable by `signature` and the weights' content.
 *
 * A sampling run tells patches which batch rows are which (`BatchRow`: cond / uncond, conditioning
 * entry, latent), and may start with a reference pass a patch asked for (`referencePass`, e.g. MoMA's
 * UNet pass at t=0 on the reference image), whose outputs the patch gets back for the sampling run.
 */
import type { Dim, DType, Logger, OnnxBuilder, Tensor, Value } from '@momaflow/engine';
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

/** How often a declared input gets a value: once per run (sent to the session once) or every call. */
export type PatchInputLifetime = 'run' | 'step';

/** Options of `pointInput` / `patchInput`. */
export interface PatchInputOptions {
  /** Default `'step'`. `'run'` values come from `runInputs` and stay in the session for the run. */
  readonly per?: PatchInputLifetime;
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
  /**
   * The layer's standard attention `attend(query(), key(), value())`, emitted once: asking for the
   * probabilities emits the plain-op form, which then also serves later calls without them.
   */
  standard(o?: { readonly withProbs?: boolean }): AttendResult;
  /** The attention output so far: the previous patch's `out` at this point, else `standard().out`. */
  current(): Value<'float32'>;
  /** A graph input of this point only, fed under the key `pointKey(point, name)`. */
  pointInput<D extends DType>(name: string, dtype: D, shape: readonly Dim[], o?: PatchInputOptions): Value<D>;
  /** A graph input shared by every point of this patch, fed under the key `name`. */
  patchInput<D extends DType>(name: string, dtype: D, shape: readonly Dim[], o?: PatchInputOptions): Value<D>;
  /** One of the patch's own `weights` as a graph constant, stored under the patch's scope. */
  weight(name: string): Value<'float32'>;
}

/** What a patch returns at one point. */
export interface AttentionPatchResult {
  /** Replaces the attention output (before `to_out`, where diffusers processors combine paths). */
  readonly out?: Value<'float32'>;
  /** Extra graph outputs, returned by every call of a sampling run under `pointKey(point, name)`. */
  readonly outputs?: Readonly<Record<string, Value>>;
  /** Graph outputs fetched only by this patch's reference pass (`ModelPatch.referencePass`). */
  readonly referenceOutputs?: Readonly<Record<string, Value>>;
}

/** Graph outputs of every patch, by patch id, then by the key the patch gave them. */
export type PatchOutputs = Readonly<Record<string, Readonly<Record<string, Tensor<DType>>>>>;

/** The part a UNet batch row plays in a sampling run (the CFG denoiser's batch layout). */
export interface BatchRow {
  /** `cond` rows are guided by the positive conditioning, `uncond` rows by the negative one. */
  readonly role: 'cond' | 'uncond';
  /** The conditioning entry of the row within its side (CONDITIONING may hold several). */
  readonly entry: number;
  /** The latent of the LATENT batch the row denoises. */
  readonly latent: number;
  /** Token ids of the entry's prompt when it came from a text encoder (to find words' positions). */
  readonly tokenIds: Int32Array | undefined;
}

/** A reference pass: a UNet call of its own whose `referenceOutputs` the patch gets for the run. */
export type PatchPass = 'reference' | 'sample';

/** What a patch learns about a run (a sampling run, or a reference pass) before its first call. */
export interface PatchRunInfo {
  readonly pass: PatchPass;
  /** One per batch row of every call of the run. */
  readonly rows: readonly BatchRow[];
  /** Latent height and width. */
  readonly height: number;
  readonly width: number;
  /** Tokens of `encoder_hidden_states` in every call. */
  readonly contextTokens: number;
  /** This patch's reference-pass outputs (sampling runs of patches that asked for one). */
  readonly reference: Readonly<Record<string, Tensor<DType>>> | undefined;
  /** Where a patch reports what the user should know (e.g. a subject word missing from the prompt). */
  readonly log: Logger;
}

/** What a patch learns about one UNet call. */
export interface PatchStepInfo {
  readonly run: PatchRunInfo;
  /** 0-based index of the call within the run. */
  readonly index: number;
  /** The UNet timestep of this call (first batch entry). */
  readonly timestep: number;
  /** The sampler's sigma, when it has one. */
  readonly sigma: number | undefined;
  /** Every patch's `outputs` of the previous call of the run, by patch id (`undefined` on the first). */
  readonly previousOutputs: PatchOutputs | undefined;
}

/** The UNet call a patch asks to run once before sampling (batch 1). */
export interface ReferencePassRequest {
  /** [1, in_channels, h, w]: the UNet's input, already noised as the patch wants it. */
  readonly sample: Tensor<'float32'>;
  readonly timestep: number;
  /** [1, tokens, cross_attention_dim]. */
  readonly context: Tensor<'float32'>;
  /** Content key of the request (inputs and settings): equal keys on one graph give equal outputs. */
  readonly key: string;
}

/**
 * A build-time modification of the UNet. `signature` must change whenever the graph `apply` builds
 * would change for reasons other than `weights` (settings baked in as constants...); the content of
 * `weights` is hashed into the compiled-graph key by the cache itself, so a changed adapter file never
 * gets a stale graph. Values fed per run or step are not part of either: each run asks the running
 * MODEL's own patch instances for them.
 * @example
 * const gain: ModelPatch = {
 *   id: 'gain',
 *   signature: 'gain/v1:up_blocks.1.attentions.0.transformer_blocks.0.attn2',
 *   appliesTo: (p) => p.id === 'up_blocks.1.attentions.0.transformer_blocks.0.attn2',
 *   apply: (ctx) => ({ out: ctx.b.op('Mul', [ctx.current(), ctx.patchInput('gain', 'float32', [1])]) }),
 *   stepInputs: () => ({ gain: new Tensor('float32', [1], Float32Array.of(0.5)) }),
 * };
 * const patched = withPatch(model, gain);
 */
export interface ModelPatch {
  /** Unique within a model; letters, digits, `_` and `-` (used in graph names). */
  readonly id: string;
  readonly signature: string;
  /** Constant tensors `apply` may use through `ctx.weight(name)`. */
  readonly weights?: ReadonlyMap<string, Tensor<'float32'>>;
  appliesTo(point: AttentionHookPoint): boolean;
  apply(ctx: AttentionPatchContext): AttentionPatchResult;
  /** Values of the inputs declared `per: 'run'`, keyed as declared; asked once per run. */
  runInputs?(run: PatchRunInfo): Readonly<Record<string, Tensor<DType>>>;
  /** Values of the inputs declared per step, keyed as declared; asked before every call. */
  stepInputs?(step: PatchStepInfo): Readonly<Record<string, Tensor<DType>>>;
  /** A UNet call to run before sampling; its `referenceOutputs` reach `runInputs` as `run.reference`. */
  readonly referencePass?: ReferencePassRequest;
  /**
   * A mask per latent [latents, 1, h, w] the patch made during a sampling run from its last call's
   * outputs (where the subject was generated), which the sampler hands on with the LATENT.
   */
  finalMask?(run: PatchRunInfo, lastOutputs: PatchOutputs | undefined): Tensor<'float32'> | undefined;
}

/**
 * The key of a per-point input or output: `<point id>/<name>`.
 * @example
 * result.patchOutputs.maps?.[pointKey(point, 'probs')];
 * // in runInputs: { [pointKey('down_blocks.0.attentions.0.transformer_blocks.0.attn1', 'ref_k')]: refK }
 */
export function pointKey(point: AttentionHookPoint | string, name: string): string {
  return `${typeof point === 'string' ? point : point.id}/${name}`;
}
