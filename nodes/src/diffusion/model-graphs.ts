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
 * `writtenModelGraph` does the same for any pack's graphs (ControlNet, ...).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  NodeEnv,
  OnnxModel,
  OnnxModelSource,
  OnnxSessionOptions,
  ProgressStatus,
  SessionLease,
} from '@momaflow/engine';
import { collectExposedGarbage, writeModel } from '@momaflow/engine';
import { z } from 'zod';
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

/** Tells a node's progress what it is doing (`ctx.progress(value, max, undefined, status)`). */
export type LoadReporter = (status: ProgressStatus) => void;

/**
 * Bump a kind's version when its builder emits a different graph for the same weights: the on-disk
 * index maps a checkpoint to the graph an earlier build gave. `model-graphs.test.ts` pins the tiny
 * checkpoint's graph hashes to these versions, so a builder change fails there until it is bumped.
 */
export const MODEL_GRAPH_VERSIONS = {
  'clip-text': 'clip-text/2',
  'clip-text-embeds': 'clip-text-embeds/1',
  'vae-decoder': 'vae-decoder/1',
  'vae-encoder': 'vae-encoder/1',
} as const satisfies Record<ModelGraphKind, string>;

const GRAPH_NAMES = {
  'clip-text': 'text encoder',
  'clip-text-embeds': 'text encoder (with embeddings)',
  'vae-decoder': 'VAE decoder',
  'vae-encoder': 'VAE encoder',
} as const satisfies Record<ModelGraphKind, string>;

/**
 * Session options per graph. A VAE runs once per prompt: without onnxruntime's memory pattern its
 * arena stays at the first run's 1.3 GB of activations (512x512) instead of adding a 0.5 GB planned
 * block from the second decode on. (Without the arena altogether the first decode took 1.6x as long.)
 */
export const MODEL_SESSION_OPTIONS = {
  'clip-text': {},
  'clip-text-embeds': {},
  'vae-decoder': { memPattern: false },
  'vae-encoder': { memPattern: false },
} as const satisfies Record<ModelGraphKind, OnnxSessionOptions>;

const zIndexEntry = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/) });

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

/** Options of `writtenModelGraph`. */
export interface WrittenGraphOptions {
  /**
   * What the graph is built from, with its builder's version: given, an index on disk remembers the
   * graph it gave, so a later process finds it without building (bump the version when the builder
   * changes what it emits).
   */
  readonly indexKey?: string;
  /** Names the graph in progress reports, e.g. "VAE decoder". */
  readonly name?: string;
  readonly report?: LoadReporter;
}

/**
 * The graph under `key` as a session source: from memory, from the on-disk index, or built by
 * `build` (reported as the `build` phase), written to `<temp>/model-graphs/<graph hash>/` and
 * remembered. For any pack's graphs (ControlNet, ...).
 * @example
 * const source = await writtenModelGraph(env, `controlnet:${handle.key}`, () => buildGraph(handle));
 */
export function writtenModelGraph(
  env: NodeEnv,
  key: string,
  build: () => Promise<OnnxModel>,
  o: WrittenGraphOptions = {},
): Promise<OnnxModelSource> {
  return env.resource(MODEL_GRAPHS).get(key, async () => {
    const known = o.indexKey === undefined ? undefined : await readIndex(env, o.indexKey);
    if (known !== undefined) return known;
    o.report?.({ phase: 'build', text: `building the ${o.name ?? 'model'} graph` });
    const model = await build();
    const { modelPath } = await writeModel(model, join(graphsDir(env), model.hash), { skipIfExists: true });
    if (o.indexKey !== undefined) await writeIndex(env, o.indexKey, model.hash);
    // The graph bytes and the checkpoint's weights are unreachable now: free them before a session
    // loads the file next to the UNet's (the full-size VAE graph is 689 MiB).
    await collectExposedGarbage();
    return { path: modelPath, hash: model.hash };
  });
}

/**
 * The built graph of a CLIP or VAE handle as a session source (see `writtenModelGraph`).
 * @example
 * const source = await modelGraph(env, { kind: 'vae-decoder', handle: vae });
 */
export function modelGraph(
  env: NodeEnv,
  ref: ModelGraphRef,
  report?: LoadReporter,
): Promise<OnnxModelSource> {
  return writtenModelGraph(env, `${ref.kind}:${ref.handle.key}`, () => GRAPH_BUILDERS[ref.kind](ref.handle), {
    indexKey: JSON.stringify([ref.kind, MODEL_GRAPH_VERSIONS[ref.kind], ref.handle.key]),
    name: GRAPH_NAMES[ref.kind],
    ...(report === undefined ? {} : { report }),
  });
}

const graphsDir = (env: NodeEnv) => join(env.dirs.temp, 'model-graphs');
const graphPath = (env: NodeEnv, hash: string) => join(graphsDir(env), hash, 'model.onnx');

function indexPath(env: NodeEnv, indexKey: string): string {
  const key = createHash('sha256').update(indexKey).digest('hex');
  return join(graphsDir(env), 'index', `${key}.json`);
}

/** The graph an earlier build gave for `indexKey`, if its index entry and model file are still there. */
async function readIndex(
  env: NodeEnv,
  indexKey: string,
): Promise<{ path: string; hash: string } | undefined> {
  let entry: z.infer<typeof zIndexEntry>;
  try {
    const parsed = zIndexEntry.safeParse(JSON.parse(await readFile(indexPath(env, indexKey), 'utf8')));
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

async function writeIndex(env: NodeEnv, indexKey: string, hash: string): Promise<void> {
  const path = indexPath(env, indexKey);
  await mkdir(join(graphsDir(env), 'index'), { recursive: true });
  const tmp = `${path}.tmp-${randomUUID()}`;
  await writeFile(tmp, JSON.stringify({ hash }));
  await rename(tmp, path);
}

/**
 * Run `fn` on a leased session of the graph (a `ModelGraphRef`, or a source from `writtenModelGraph`);
 * the lease is handed back afterwards. Building a handle's graph and creating its session are
 * reported (`build`, `session`), then `compute` as `fn` starts.
 * @example
 * const image = await withModelSession(env, { kind: 'vae-decoder', handle: vae }, (s) => vaeDecode(s, z));
 */
export async function withModelSession<T>(
  env: NodeEnv,
  ref: ModelGraphRef | Promise<OnnxModelSource>,
  fn: (session: SessionLease['session']) => Promise<T>,
  report?: LoadReporter,
): Promise<T> {
  const sessions = env.resource(DIFFUSION_SESSIONS);
  const isHandle = !(ref instanceof Promise);
  const source = isHandle ? await modelGraph(env, ref, report) : await ref;
  const options = isHandle ? MODEL_SESSION_OPTIONS[ref.kind] : {};
  const name = isHandle ? GRAPH_NAMES[ref.kind] : 'model';
  if (report !== undefined && !(await sessions.has(source, options))) {
    report({ phase: 'session', text: `creating the ${name} session` });
  }
  const lease = await sessions.acquire(source, options);
  try {
    report?.({ phase: 'compute', text: `running the ${name}` });
    return await fn(lease.session);
  } finally {
    lease.release();
  }
}

/**
 * Closes the session `withModelSession` opens for `ref` (keyed with the kind's session options), when
 * nobody holds it; nothing when none is open.
 * @example
 * await unloadModelSession(env, { kind: 'vae-encoder', handle: vae });
 */
export async function unloadModelSession(env: NodeEnv, ref: ModelGraphRef): Promise<void> {
  const sessions = env.resource(DIFFUSION_SESSIONS);
  await sessions.unload(await sessions.keyOf(await modelGraph(env, ref), MODEL_SESSION_OPTIONS[ref.kind]));
}
