/**
 * @module
 * Test-only: a temp data folder laid out as a user's, holding the reference fixtures' tiny SD1.5
 * checkpoint (`models/checkpoints/tiny-sd.safetensors` + yaml), MoMA adapter (`models/moma/`) and
 * example images (`input/`), copied from the shared fixtures into the temp folder (never into the
 * repository), and an environment whose UNet and VAE-encoder session runs are counted.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  createNodeEnv,
  type LogLevel,
  type NodeEnv,
  type ResourceKey,
  SessionCache,
  type SessionLease,
} from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';
import { DIFFUSION_SESSIONS } from '../diffusion';

/** What the counting environment saw. */
export interface SessionRuns {
  /** Runs per session key. */
  readonly byKey: Map<string, number>;
  /** UNet runs that fetched no noise prediction: reference passes. */
  referencePasses: number;
}

/** The temp data folder and its environment. */
export interface MomaWorkspace {
  readonly root: string;
  readonly env: NodeEnv;
  readonly runs: SessionRuns;
  readonly lines: { level: LogLevel; message: string }[];
  dispose(): Promise<void>;
}

/** Files copied from the fixtures: [fixture path parts, destination relative to the data folder]. */
const FILES: readonly (readonly [readonly string[], string])[] = [
  [['tiny-sd.safetensors'], 'models/checkpoints/tiny-sd.safetensors'],
  [['tiny-sd.yaml'], 'models/checkpoints/tiny-sd.yaml'],
  [['tiny-moma', 'attn_adapters_projectors.th'], 'models/moma/attn_adapters_projectors.th'],
  [['images', 'cat_00.jpg'], 'input/cat_00.jpg'],
  [['images', 'cat_00_mask.jpg'], 'input/cat_00_mask.jpg'],
];

/** A session cache whose leases count their runs. */
function countingSessions(runs: SessionRuns): SessionCache {
  const real = SessionCache.create({ maxEntries: 6 });
  const count = (lease: SessionLease): SessionLease => ({
    ...lease,
    release: () => lease.release(),
    session: {
      ...lease.session,
      run: (feeds, fetches, constants) => {
        runs.byKey.set(lease.key, (runs.byKey.get(lease.key) ?? 0) + 1);
        if (fetches !== undefined && !fetches.includes('noise_pred') && 'sample' in feeds)
          runs.referencePasses++;
        return lease.session.run(feeds, fetches, constants);
      },
      uploadConstants: (feeds) => lease.session.uploadConstants(feeds),
      release: () => lease.session.release(),
    },
  });
  return new Proxy(real, {
    get(target, property) {
      if (property === 'acquire') {
        return async (...args: Parameters<SessionCache['acquire']>) => count(await target.acquire(...args));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * @example
 * const ws = await momaWorkspace();
 * afterAll(() => ws.dispose());
 */
export async function momaWorkspace(): Promise<MomaWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'momaflow-moma-'));
  for (const [from, to] of FILES) {
    await mkdir(join(root, to, '..'), { recursive: true });
    await copyFile(fixturePath(...from), join(root, to));
  }
  const dirs = {
    input: join(root, 'input'),
    output: join(root, 'output'),
    temp: join(root, 'temp'),
    models: join(root, 'models'),
  };
  const lines: { level: LogLevel; message: string }[] = [];
  const runs: SessionRuns = { byKey: new Map(), referencePasses: 0 };
  const base = createNodeEnv({ dirs, log: createLogger((level, message) => lines.push({ level, message })) });
  const sessions = countingSessions(runs);
  const env: NodeEnv = {
    ...base,
    resource: <T>(key: ResourceKey<T>): T =>
      key === (DIFFUSION_SESSIONS as ResourceKey<unknown>) ? (sessions as T) : base.resource(key),
    dispose: async () => {
      await sessions.dispose();
      await base.dispose();
    },
  };
  return {
    root,
    env,
    runs,
    lines,
    dispose: async () => {
      await env.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}
