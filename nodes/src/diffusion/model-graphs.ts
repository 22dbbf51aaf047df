/**
 * @module
 * The text-encoder and VAE graphs of CLIP / VAE handles: built on first use from the handle's
 * checkpoint layout, written to `<temp>/model-graphs/<graph hash>/`, and run on sessions from
 * `DIFFUSION_SESSIONS`. Sessions copy their weights, so the process keeps only the file's path (a
 * full-size text encoder plus VAE decoder would otherwise pin 700 MB of graph bytes next to the
 * sessions); `MODEL_GRAPHS` maps the handle's content key to it, so a session evicted from the cache
 * reopens from the file without reading the checkpoint again. The folder is named by the graph's own
 * content hash, so a file found there is always the graph wanted, whatever built it. An index beside
 * the folders (`index/<kind, builder version, handle key>.json`) remembers which graph a checkpoint
 * gave, so the next process skips reading and building it (20-25 s for a full-size checkpoint).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeEnv, OnnxModel, OnnxModelSource, ProgressStatus, SessionLease } from '@momaflow/engine';
import { collectExposedGarbage, writeModel } from '@momaflow/engine';
import { z } from 'zod';
import { buildClipTextGraph, loadClipTextFromLayout } from '../models/clip-text';
import type { CheckpointLayout } from '../models/ldm-config';
import { buildVaeDecoderGraph, buildVaeEncoderGraph, loadVaeFromLayout } from '../models/vae';
import { DIFFUSION_SESSIONS, MODEL_GRAPHS } from './diffusion-resources';
import type { ClipModel, VaeModel } from './diffusion-types';

/** The graphs a checkpoint's CLIP and VAE handles run. */
export type ModelGraphKind = 'clip-text' | 'vae-decoder' | 'vae-encoder';

/** Tells a node's progress what it is doing (`ctx.progress(value, max, undefined, status)`). */
export type LoadReporter = (status: ProgressStatus) => void;

/**
 * Bump a kind's version when its builder emits a different graph for the same weights: the on-disk
 * index maps a checkpoint to the graph an earlier build gave. `model-graphs.test.ts` pins the tiny
 * checkpoint's graph hashes to these versions, so a builder change fails there until it is bumped.
 */
export const MODEL_GRAPH_VERSIONS = {
  'clip-text': 'clip-text/1',
  'vae-decoder': 'vae-decoder/1',
  'vae-encoder': 'vae-encoder/1',
} as const satisfies Record<ModelGraphKind, string>;

const GRAPH_NAMES = {
  'clip-text': 'text encoder',
  'vae-decoder': 'VAE decoder',
  'vae-encoder': 'VAE encoder',
} as const satisfies Record<ModelGraphKind, string>;

const zIndexEntry = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) });

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
 * The built graph as a session source: from memory, from the on-disk index, or built and written now
 * (reported as the `build` phase).
 * @example
 * const source = await modelGraph(env, { kind: 'vae-decoder', handle: vae });
 */
export function modelGraph(
  env: NodeEnv,
  ref: ModelGraphRef,
  report?: LoadReporter,
): Promise<OnnxModelSource> {
  return env.resource(MODEL_GRAPHS).get(`${ref.kind}:${ref.handle.key}`, async () => {
    const known = await readIndex(env, ref);
    if (known !== undefined) return known;
    report?.({ phase: 'build', text: `building the ${GRAPH_NAMES[ref.kind]} graph` });
    const written = await buildAndWrite(env, ref);
    await writeIndex(env, ref, written.hash);
    // The graph bytes and the checkpoint's weights are unreachable now: free them before a session
    // loads the file next to the UNet's (the full-size VAE graph is 689 MiB).
    await collectExposedGarbage();
    return written;
  });
}

const graphsDir = (env: NodeEnv) => join(env.dirs.temp, 'model-graphs');
const graphPath = (env: NodeEnv, hash: string) => join(graphsDir(env), hash, 'model.onnx');

function indexPath(env: NodeEnv, ref: ModelGraphRef): string {
  const key = createHash('sha256')
    .update(JSON.stringify([ref.kind, MODEL_GRAPH_VERSIONS[ref.kind], ref.handle.key]))
    .digest('hex');
  return join(graphsDir(env), 'index', `${key}.json`);
}

/** The graph an earlier build gave for this handle, if its index entry and model file are still there. */
async function readIndex(
  env: NodeEnv,
  ref: ModelGraphRef,
): Promise<{ path: string; hash: string } | undefined> {
  let entry: z.infer<typeof zIndexEntry>;
  try {
    const parsed = zIndexEntry.safeParse(JSON.parse(await readFile(indexPath(env, ref), 'utf8')));
    if (!parsed.success) return undefined;
    entry = parsed.data;
  } catch {
    return undefined; // no entry yet, or a damaged one: build again
  }
  const path = graphPath(env, entry.hash);
  return (await stat(path).then(
    () => true,
    () => false,
  ))
    ? { path, hash: entry.hash }
    : undefined;
}

async function writeIndex(env: NodeEnv, ref: ModelGraphRef, hash: string): Promise<void> {
  const path = indexPath(env, ref);
  await mkdir(join(graphsDir(env), 'index'), { recursive: true });
  const tmp = `${path}.tmp-${randomUUID()}`;
  await writeFile(tmp, JSON.stringify({ hash }));
  await rename(tmp, path);
}

async function buildAndWrite(env: NodeEnv, ref: ModelGraphRef): Promise<{ path: string; hash: string }> {
  const model = await GRAPH_BUILDERS[ref.kind](ref.handle.layout);
  const { modelPath } = await writeModel(model, join(graphsDir(env), model.hash), { skipIfExists: true });
  return { path: modelPath, hash: model.hash };
}

/**
 * Run `fn` on a leased session of the graph; the lease is handed back afterwards. Building the graph
 * and creating its session are reported (`build`, `session`), then `compute` as `fn` starts.
 * @example
 * const image = await withModelSession(env, { kind: 'vae-decoder', handle: vae }, (s) => vaeDecode(s, z));
 */
export async function withModelSession<T>(
  env: NodeEnv,
  ref: ModelGraphRef,
  fn: (session: SessionLease['session']) => Promise<T>,
  report?: LoadReporter,
): Promise<T> {
  const sessions = env.resource(DIFFUSION_SESSIONS);
  const source = await modelGraph(env, ref, report);
  if (report !== undefined && !(await sessions.has(source))) {
    report({ phase: 'session', text: `creating the ${GRAPH_NAMES[ref.kind]} session` });
  }
  const lease = await sessions.acquire(source);
  try {
    report?.({ phase: 'compute', text: `running the ${GRAPH_NAMES[ref.kind]}` });
    return await fn(lease.session);
  } finally {
    lease.release();
  }
}
