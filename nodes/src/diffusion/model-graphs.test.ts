import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createNodeEnv, type ProgressStatus, SILENT_LOGGER } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_SD15_FILE } from '../models/tiny';
import { DIFFUSION_SESSIONS } from './diffusion-resources';
import type { ClipModel, VaeModel } from './diffusion-types';
import { loadCheckpoint } from './load-checkpoint';
import {
  MODEL_GRAPH_VERSIONS,
  MODEL_SESSION_OPTIONS,
  type ModelGraphKind,
  modelGraph,
  unloadModelSession,
  withModelSession,
} from './model-graphs';
import { type TinyWorkspace, tinyWorkspace } from './test-support';

/**
 * The tiny checkpoint's graphs as the builders emit them at the versions in `MODEL_GRAPH_VERSIONS`.
 * When a builder change makes one of these fail, bump that kind's version (so indexes written by the
 * old builder are not trusted) and pin the new hash here.
 */
const PINNED: Record<ModelGraphKind, { version: string; hash: string }> = {
  'clip-text': {
    version: 'clip-text/2',
    hash: '7b342d565e9ae7c97d520f9f6576a516be9c52b25e238b50b52d31ca4d616598',
  },
  'clip-text-embeds': {
    version: 'clip-text-embeds/1',
    hash: '4cb0642d0fc46e34f9d6627bbbf920ea9d12ba6b51f9e59f6da35686464835d7',
  },
  'vae-decoder': {
    version: 'vae-decoder/1',
    hash: 'da4c3bfba54bf5aab54560bee063a0ebf60ce18d258d4d7bfd46a54044c536a6',
  },
  'vae-encoder': {
    version: 'vae-encoder/1',
    hash: 'a14de4a9a573f36f2baf4953adc8f73ba83ff9edc60c2bce65ee9aa91c3fa58e',
  },
};

let ws: TinyWorkspace;
let clip: ClipModel;
let vae: VaeModel;
beforeAll(async () => {
  ws = await tinyWorkspace();
  ({ clip, vae } = await loadCheckpoint(ws.env, join(ws.env.dirs.models, 'checkpoints', TINY_SD15_FILE)));
});
afterAll(() => ws.dispose());

/** A fresh environment on the same folders: another process, as far as in-memory caches go. */
const nextProcess = () => createNodeEnv({ dirs: ws.env.dirs, log: SILENT_LOGGER });

describe(modelGraph.name, () => {
  it.each(['clip-text', 'clip-text-embeds', 'vae-decoder', 'vae-encoder'] as const)(
    "builds the tiny checkpoint's %s graph as pinned for its builder version",
    async (kind) => {
      const source = await modelGraph(ws.env, { kind, handle: kind.startsWith('clip') ? clip : vae });
      const hash = 'hash' in source ? source.hash : undefined;
      expect({ version: MODEL_GRAPH_VERSIONS[kind], hash }).toEqual(PINNED[kind]);
    },
  );

  it('finds a graph built by an earlier process without building it, and rebuilds a deleted one', async () => {
    const ref = { kind: 'vae-decoder', handle: vae } as const;
    const built = await modelGraph(ws.env, ref);
    const statuses: ProgressStatus[] = [];
    const again = await modelGraph(nextProcess(), ref, (s) => statuses.push(s));
    expect(again).toEqual(built);
    expect(statuses).toEqual([]);
    if (!('path' in built)) throw new Error('expected a written graph');
    await rm(dirname(built.path), { recursive: true });
    const rebuilt = await modelGraph(nextProcess(), ref, (s) => statuses.push(s));
    expect(rebuilt).toEqual(built);
    expect(statuses.map((s) => s.phase)).toEqual(['build']);
  });

  it("unloads the session withModelSession opened, keyed with its kind's session options", async () => {
    const ref = { kind: 'vae-encoder', handle: vae } as const;
    const sessions = ws.env.resource(DIFFUSION_SESSIONS);
    const open = async () => sessions.has(await modelGraph(ws.env, ref), MODEL_SESSION_OPTIONS[ref.kind]);
    await withModelSession(ws.env, ref, async () => {});
    expect(await open()).toBe(true);
    await unloadModelSession(ws.env, ref);
    expect(await open()).toBe(false);
  });
});
