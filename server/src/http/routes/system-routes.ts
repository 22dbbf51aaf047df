/**
 * @module
 * `GET /system_stats` (ComfyUI's shape: system and devices; never argv, which may hold the token),
 * `GET /models` (model folders) and `GET /models/:folder` (the files in one, recursively).
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PackReport } from '@momaflow/engine';
import { Hono } from 'hono';
import { z } from 'zod';
import { queueRemaining } from '../../queue';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { checkName, ensureFolder } from '../files/safe-path';
import { params } from '../validation';

const MAX_DEPTH = 6;
const MAX_FILES = 10_000;

/** A model folder name (checked again as a single path segment). */
export const zModelFolderParams = z.object({ folder: z.string().min(1).max(100) });

async function listFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (files.length >= MAX_FILES || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      // Symlinks are followed (model folders are often links to a shared disk); depth bounds loops.
      const info = entry.isSymbolicLink() ? await stat(full).catch(() => undefined) : entry;
      if (info?.isDirectory() && depth < MAX_DEPTH) await walk(full, depth + 1);
      else if (info?.isFile()) files.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  await walk(root, 0);
  return files;
}

/** A pack's load report without its example workflows' bodies (listed under /workflows/examples). */
function packSummary(report: PackReport) {
  return report.status === 'loaded' ? { ...report, examples: report.examples.map((e) => e.name) } : report;
}

/**
 * @example
 * api.route('/', createSystemRoutes({ dirs, queue, hub, version, startedAt }));
 */
export function createSystemRoutes(
  deps: Pick<AppDeps, 'dirs' | 'queue' | 'hub' | 'version' | 'startedAt' | 'packs'>,
): Hono<AppEnv> {
  const { dirs } = deps;
  return new Hono<AppEnv>()
    .get('/system_stats', (c) =>
      c.json({
        system: {
          os: process.platform,
          arch: process.arch,
          node_version: process.version,
          momaflow_version: deps.version,
          ram_total: os.totalmem(),
          ram_free: os.freemem(),
          uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
        },
        devices: [{ name: 'cpu', type: 'cpu', index: 0, vram_total: 0, vram_free: 0 }],
        queue: { remaining: queueRemaining(deps.queue.state()) },
        websocket: deps.hub.stats(),
        node_packs: deps.packs.map(packSummary),
      }),
    )
    .get('/models', async (c) => {
      const root = await ensureFolder(dirs.models, '');
      const entries = await readdir(root, { withFileTypes: true });
      return c.json(
        entries
          .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
          .map((e) => e.name)
          .sort(),
      );
    })
    .get('/models/:folder', params(zModelFolderParams), async (c) => {
      const folder = checkName(c.req.valid('param').folder, 'model folder');
      const root = path.join(dirs.models, folder);
      const info = await stat(root).catch(() => undefined);
      if (!info?.isDirectory()) throw new ApiError('not_found', `no model folder '${folder}'`);
      return c.json(await listFiles(root));
    });
}
