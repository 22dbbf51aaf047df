/**
 * @module
 * The text-encoder and VAE graphs of CLIP / VAE handles: built on first use from the handle's
 * checkpoint layout, kept by content key in `MODEL_GRAPHS`, run on sessions from `DIFFUSION_SESSIONS`.
 */
import type { NodeEnv, OnnxModel, SessionLease } from '@momaflow/engine';
import { buildClipTextGraph, loadClipTextFromLayout } from '../models/clip-text';
import type { CheckpointLayout } from '../models/ldm-config';
import { buildVaeDecoderGraph, buildVaeEncoderGraph, loadVaeFromLayout } from '../models/vae';
import { DIFFUSION_SESSIONS, MODEL_GRAPHS } from './diffusion-resources';
import type { ClipModel, VaeModel } from './diffusion-types';

/** The graphs a checkpoint's CLIP and VAE handles run. */
export type ModelGraphKind = 'clip-text' | 'vae-decoder' | 'vae-encoder';

const GRAPH_BUILDERS = {
  'clip-text': async (layout) => {
    const { weights, config } = await loadClipTextFromLayout(layout);
    return buildClipTextGraph(weights, config);
  },
  'vae-decoder': async (layout) => {
    const { weights, config } = await loadVaeFromLayout(layout);
    return buildVaeDecoderGraph(weights, config);
  },
  'vae-encoder': async (layout) => {
    const { weights, config } = await loadVaeFromLayout(layout);
    return buildVaeEncoderGraph(weights, config);
  },
} as const satisfies Record<ModelGraphKind, (layout: CheckpointLayout) => Promise<OnnxModel>>;

/** Which graph of which handle. */
export interface ModelGraphRef {
  readonly kind: ModelGraphKind;
  readonly handle: ClipModel | VaeModel;
}

/**
 * The built graph (from the cache, or built now).
 * @example
 * await modelGraph(env, { kind: 'vae-decoder', handle: vae });
 */
export function modelGraph(env: NodeEnv, ref: ModelGraphRef): Promise<OnnxModel> {
  return env
    .resource(MODEL_GRAPHS)
    .get(`${ref.kind}:${ref.handle.key}`, () => GRAPH_BUILDERS[ref.kind](ref.handle.layout));
}

/**
 * Run `fn` on a leased session of the graph; the lease is handed back afterwards.
 * @example
 * const image = await withModelSession(env, { kind: 'vae-decoder', handle: vae }, (s) => vaeDecode(s, z));
 */
export async function withModelSession<T>(
  env: NodeEnv,
  ref: ModelGraphRef,
  fn: (session: SessionLease['session']) => Promise<T>,
): Promise<T> {
  const lease = await env.resource(DIFFUSION_SESSIONS).acquire({ model: await modelGraph(env, ref) });
  try {
    return await fn(lease.session);
  } finally {
    lease.release();
  }
}
