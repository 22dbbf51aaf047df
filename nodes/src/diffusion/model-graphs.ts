/**
 * @module
 * The text-encoder and VAE graphs of CLIP / VAE handles: built on first use from the handle's
 * checkpoint layout, written to `<temp>/model-graphs/<graph hash>/`, and run on sessions from
 * `DIFFUSION_SESSIONS`. Sessions copy their weights, so the process keeps only the file's path (a
 * full-size text encoder plus VAE decoder would otherwise pin 700 MB of graph bytes next to the
 * sessions); `MODEL_GRAPHS` maps the handle's content key to it, so a session evicted from the cache
 * reopens from the file without reading the checkpoint again. The folder is named by the graph's own
 * content hash, so a file found there is always the graph wanted, whatever built it.
 */
import { join } from 'node:path';
import type { NodeEnv, OnnxModel, OnnxModelSource, SessionLease } from '@momaflow/engine';
import { collectExposedGarbage, writeModel } from '@momaflow/engine';
import { buildClipTextGraph, loadClipTextFromLayout } from '../models/clip-text';
import { applyWeightPatches } from '../models/ldm-config';
import { buildVaeDecoderGraph, buildVaeEncoderGraph, loadVaeFromLayout } from '../models/vae';
import { DIFFUSION_SESSIONS, MODEL_GRAPHS } from './diffusion-resources';
import type { ClipModel, VaeModel } from './diffusion-types';

/** The graphs a checkpoint's CLIP and VAE handles run. */
export type ModelGraphKind = 'clip-text' | 'clip-text-embeds' | 'vae-decoder' | 'vae-encoder';

/** The CLIP graph of a handle, with the weight patches it carries. */
async function clipTextGraph(handle: ClipModel | VaeModel, extraTokens: boolean): Promise<OnnxModel> {
  const { weights, config } = await loadClipTextFromLayout(handle.layout);
  const patches = handle.kind === 'sd1-clip' ? (handle.weightPatches ?? []) : [];
  return buildClipTextGraph(await applyWeightPatches(weights, patches), config, { extraTokens });
}

const GRAPH_BUILDERS = {
  'clip-text': (handle) => clipTextGraph(handle, false),
  // Prompts with textual-inversion vectors or added tokens take them as an input (token-embeddings.ts).
  'clip-text-embeds': (handle) => clipTextGraph(handle, true),
  'vae-decoder': async (handle) => {
    const { weights, config } = await loadVaeFromLayout(handle.layout);
    return buildVaeDecoderGraph(weights, config);
  },
  'vae-encoder': async (handle) => {
    const { weights, config } = await loadVaeFromLayout(handle.layout);
    return buildVaeEncoderGraph(weights, config);
  },
} as const satisfies Record<ModelGraphKind, (handle: ClipModel | VaeModel) => Promise<OnnxModel>>;

/** Which graph of which handle. */
export interface ModelGraphRef {
  readonly kind: ModelGraphKind;
  readonly handle: ClipModel | VaeModel;
}

/**
 * The graph under `key` as a session source: from the cache, or built by `build`, written to
 * `<temp>/model-graphs/<graph hash>/` and remembered. For any pack's graphs (ControlNet, ...).
 * @example
 * const source = await writtenModelGraph(env, `controlnet:${handle.key}`, () => buildGraph(handle));
 */
export function writtenModelGraph(
  env: NodeEnv,
  key: string,
  build: () => Promise<OnnxModel>,
): Promise<OnnxModelSource> {
  return env.resource(MODEL_GRAPHS).get(key, async () => {
    const written = await write(env, await build());
    // The graph bytes and the checkpoint's weights are unreachable now: free them before a session
    // loads the file next to the UNet's (the full-size VAE graph is 689 MiB).
    await collectExposedGarbage();
    return written;
  });
}

/**
 * The built graph as a session source (from the cache, or built and written now).
 * @example
 * const source = await modelGraph(env, { kind: 'vae-decoder', handle: vae });
 */
export function modelGraph(env: NodeEnv, ref: ModelGraphRef): Promise<OnnxModelSource> {
  return writtenModelGraph(env, `${ref.kind}:${ref.handle.key}`, () => GRAPH_BUILDERS[ref.kind](ref.handle));
}

async function write(env: NodeEnv, model: OnnxModel): Promise<OnnxModelSource> {
  const dir = join(env.dirs.temp, 'model-graphs', model.hash);
  const { modelPath } = await writeModel(model, dir, { skipIfExists: true });
  return { path: modelPath, hash: model.hash };
}

/**
 * Run `fn` on a leased session of the graph (a `ModelGraphRef`, or a source from `writtenModelGraph`);
 * the lease is handed back afterwards.
 * @example
 * const image = await withModelSession(env, { kind: 'vae-decoder', handle: vae }, (s) => vaeDecode(s, z));
 */
export async function withModelSession<T>(
  env: NodeEnv,
  ref: ModelGraphRef | Promise<OnnxModelSource>,
  fn: (session: SessionLease['session']) => Promise<T>,
): Promise<T> {
  const source = ref instanceof Promise ? await ref : await modelGraph(env, ref);
  const lease = await env.resource(DIFFUSION_SESSIONS).acquire(source);
  try {
    return await fn(lease.session);
  } finally {
    lease.release();
  }
}
