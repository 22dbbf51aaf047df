/**
 * @module
 * `GET /system_stats` (ComfyUI's shape: system and devices; never argv, which may hold the token),
 * `GET /models` (ComfyUI's model folder names and any other folder under models/), `GET
 * /models/:folder` (the model files in one, recursively), `GET /embeddings` (embedding names) and
 * `GET /extensions` (the editor extensions ComfyUI's frontend would load: momaflow has none).
 */
import { readdir } from 'node:fs/promises';
import os from 'node:os';
import type { PackReport } from '@momaflow/engine';
import { listModelFiles, MODEL_FOLDERS, modelName } from '@momaflow/nodes';
import { Hono } from 'hono';
import { z } from 'zod';
import { queueRemaining } from '../../queue';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { checkName, ensureFolder } from '../files/safe-path';
import { params } from '../validation';

/** A model folder name (checked again as a single path segment). */
export const zModelFolderParams = z.object({ folder: z.string().min(1).max(100) });

/** ComfyUI's folder names and the folders that exist under `models`, sorted. */
async function modelFolders(models: string): Promise<string[]> {
  const root = await ensureFolder(models, '');
  const present = (await readdir(root, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
  return [...new Set([...MODEL_FOLDERS, ...present])].sort();
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
    .get('/models', async (c) => c.json(await modelFolders(dirs.models)))
    .get('/models/:folder', params(zModelFolderParams), async (c) => {
      const folder = checkName(c.req.valid('param').folder, 'model folder');
      if (!(await modelFolders(dirs.models)).includes(folder))
        throw new ApiError('not_found', `no model folder '${folder}'`);
      return c.json(await listModelFiles(dirs.models, folder));
    })
    .get('/embeddings', async (c) => c.json((await listModelFiles(dirs.models, 'embeddings')).map(modelName)))
    .get('/extensions', (c) => c.json([]));
}
