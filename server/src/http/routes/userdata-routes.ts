/**
 * @module
 * The user's workflow library under `<data>/user/workflows`: list, read, save (checked as a saved
 * workflow of any known version), delete. Names are plain file names; `.json` is added when missing.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { packOfRegistered, parseWorkflow, recordProvenance, zDict } from '@momaflow/engine';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { ensureFolder, resolveExistingFile } from '../files/safe-path';
import { jsonBody, params, query } from '../validation';

/** A library name: a plain file name, `.json` appended when missing. */
export const zWorkflowNameParams = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9 _().,+-]{0,99}$/,
      'a workflow name is 1-100 letters, digits, spaces or _().,+-',
    )
    .transform((name) => (name.toLowerCase().endsWith('.json') ? name : `${name}.json`)),
});
/** `overwrite=false` refuses to replace an existing workflow. */
export const zSaveWorkflowQuery = z.object({
  overwrite: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
/** The body of a save: checked afterwards as a saved workflow of any known version. */
export const zWorkflowBody = zDict(z.unknown()).describe('A saved workflow (format momaflow.workflow).');

/**
 * @example
 * api.route('/', createUserdataRoutes({ workflowsDir }));
 */
export function createUserdataRoutes(deps: Pick<AppDeps, 'workflowsDir' | 'registry'>): Hono<AppEnv> {
  const folder = () => ensureFolder(deps.workflowsDir, '');
  const missing = (name: string) => new ApiError('not_found', `no saved workflow '${name}'`);
  return new Hono<AppEnv>()
    .get('/userdata/workflows', async (c) => {
      const dir = await folder();
      const names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
      const entries = await Promise.all(
        names.map(async (name) => {
          const info = await stat(path.join(dir, name));
          return { name, size: info.size, modified: info.mtimeMs };
        }),
      );
      return c.json(entries);
    })
    .get('/userdata/workflows/:name', params(zWorkflowNameParams), async (c) => {
      const { name } = c.req.valid('param');
      const file = await resolveExistingFile(await folder(), '', name).catch((err: unknown) => {
        throw err instanceof ApiError && err.type === 'not_found' ? missing(name) : err;
      });
      return c.body(await readFile(file, 'utf8'), 200, { 'Content-Type': 'application/json' });
    })
    .put(
      '/userdata/workflows/:name',
      params(zWorkflowNameParams),
      query(zSaveWorkflowQuery),
      jsonBody(zWorkflowBody),
      async (c) => {
        const { name } = c.req.valid('param');
        const { overwrite } = c.req.valid('query');
        const body = c.req.valid('json');
        const parsed = parseWorkflow(body);
        if (!parsed.ok) {
          throw new ApiError(
            'invalid_workflow',
            `not a saved workflow: ${parsed.issues[0]?.message ?? 'invalid'}`,
            {
              details: { issues: parsed.issues },
            },
          );
        }
        const dir = await folder();
        const file = path.join(dir, name);
        const existed = await stat(file).then(
          () => true,
          () => false,
        );
        if (existed && !overwrite)
          throw new ApiError('conflict', `a saved workflow '${name}' already exists`);
        const temp = path.join(dir, `.save-${randomUUID()}`);
        // Each node records the pack (id, version) its type comes from, so opening the workflow where
        // that pack is missing names what to install.
        const saved = recordProvenance(body, packOfRegistered(deps.registry));
        await writeFile(temp, `${JSON.stringify(saved, null, 2)}\n`, { flag: 'wx' });
        await rename(temp, file);
        return c.json({ name }, existed ? 200 : 201);
      },
    )
    .delete('/userdata/workflows/:name', params(zWorkflowNameParams), async (c) => {
      const { name } = c.req.valid('param');
      const file = path.join(await folder(), name);
      if (
        !(await stat(file).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        throw missing(name);
      await rm(file);
      return c.json({ deleted: name });
    });
}
