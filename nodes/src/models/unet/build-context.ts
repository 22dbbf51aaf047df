/**
 * @module
 * What every UNet block function receives besides its weights and input: the builder, the layout,
 * the shared time embedding and text context, and the attention setup (kernel choice, patches,
 * hook points). Read-only; blocks return values and never write to it.
 */
import type { Conv3x3Setting, OnnxBuilder, Value } from '@momaflow/engine';
import type { AttentionHookPoint } from './hook-points';
import type { ModelPatch } from './model-patch';
import type { PatchIo } from './patch-io';
import type { UnetLayout } from './unet-layout';

/**
 * How attention is computed where no patch asks for probabilities: one com.microsoft
 * MultiHeadAttention node (`fused`), or MatMul/Softmax/MatMul (`plain`).
 */
export type AttentionKernel = 'fused' | 'plain';

/** The attention-related part of the build. */
export interface AttentionSetup {
  readonly kernel: AttentionKernel;
  readonly patches: readonly ModelPatch[];
  /** Hook points by id; a block looks its point up by the scope path it builds under. */
  readonly points: ReadonlyMap<string, AttentionHookPoint>;
  readonly io: PatchIo;
}

/** Shared state of one UNet graph build. */
export interface UnetBuildContext {
  readonly b: OnnxBuilder;
  readonly layout: UnetLayout;
  /** `silu(time_embedding(t))` [B, timeEmbedDim]: every ResNet applies this before `time_emb_proj`. */
  readonly temb: Value<'float32'>;
  /** `encoder_hidden_states` [B, tokens, crossAttentionDim]. */
  readonly context: Value<'float32'>;
  /** The same as rows [B * tokens, crossAttentionDim], the input of every `to_k` / `to_v` Gemm. */
  readonly contextRows: Value<'float32'>;
  /** int64 [1]: the batch size, to view rows as [B, N, C] again. */
  readonly batch: Value<'int64'>;
  readonly attention: AttentionSetup;
  readonly conv3x3: Conv3x3Setting;
}
