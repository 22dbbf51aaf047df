/**
 * @module
 * The routes workers call, with the worker token (not the users' token): `PUT /cluster/files/:type`
 * stores a file a prompt produced in the output or temp folder (under another name when the name is
 * taken by different bytes, ComfyUI's ` (1)`), and `GET /cluster/files/input` serves an input file a
 * queued prompt reads. Mounted ahead of the users' token check; the Host and Origin checks still apply.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Directories } from '@momaflow/engine';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { ApiError } from '../http/api-error';
import type { AppEnv, SecurityOptions } from '../http/app-env';
import { checkName, ensureFolder, resolveExistingFile } from '../http/files/safe-path';
import { saveUpload } from '../http/files/save-upload';
import { authCheck } from '../http/security/security-middleware';
import { params, query } from '../http/validation';

export interface ClusterRouteDeps {
  readonly dirs: Directories;
  readonly workerToken: string;
  readonly security: SecurityOptions;
  readonly maxUploadBytes: number;
}

const zFileParams = z.object({ type: z.enum(['output', 'temp']) });
const zFileQuery = z.object({
  subfolder: z.string().max(1024).default(''),
  filename: z.string().min(1).max(255),
});
const zInputQuery = z.object({ name: z.string().min(1).max(1024) });

/**
 * @example
 * app.route('/api', createClusterRoutes({ dirs, workerToken, security, maxUploadBytes }));
 */
export function createClusterRoutes(deps: ClusterRouteDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .use('/cluster/*', authCheck({ ...deps.security, authToken: deps.workerToken }))
    .put(
      '/cluster/files/:type',
      bodyLimit({
        maxSize: deps.maxUploadBytes,
        onError: () => {
          throw new ApiError('payload_too_large', `files are limited to ${deps.maxUploadBytes} bytes`);
        },
      }),
      params(zFileParams),
      query(zFileQuery),
      async (c) => {
        const { type } = c.req.valid('param');
        const { subfolder, filename } = c.req.valid('query');
        const folder = await ensureFolder(deps.dirs[type], subfolder);
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        const stored = await saveUpload({ folder, name: checkName(filename), bytes, overwrite: false });
        return c.json({ filename: stored, subfolder, type });
      },
    )
    .get('/cluster/files/input', query(zInputQuery), async (c) => {
      const { name } = c.req.valid('query');
      const file = await resolveExistingFile(
        deps.dirs.input,
        path.posix.dirname(name).replace(/^\.$/, ''),
        path.posix.basename(name),
      );
      return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>, 200, {
        'Content-Type': 'application/octet-stream',
      });
    });
}
