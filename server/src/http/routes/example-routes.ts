/**
 * @module
 * `GET /workflows/examples` lists the example workflows shipped with momaflow and with the loaded node
 * packs (name, title, description); `GET /workflows/examples/:name` returns one. A pack's example is
 * named `<pack id>.<name>` (characters outside [A-Za-z0-9_-] in the id become `_`).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, type PackExample, type PackReport } from '@momaflow/engine';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { resolveExistingFile } from '../files/safe-path';
import { params } from '../validation';

/** An example name: a plain file name (`.json` optional). */
export const zExampleParams = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'an example name is a plain file name'),
});

const fileName = (name: string) => (name.endsWith('.json') ? name : `${name}.json`);

const zExampleHeader = z.object({
  name: z.string().optional(),
  extra: z.object({ description: z.string().optional() }).loose().optional(),
});

function packExamples(packs: readonly PackReport[]): Map<string, PackExample> {
  const examples = new Map<string, PackExample>();
  for (const pack of packs) {
    if (pack.status !== 'loaded') continue;
    for (const example of pack.examples) {
      examples.set(`${pack.id.replace(/[^A-Za-z0-9_-]/g, '_')}.${example.name}`, example);
    }
  }
  return examples;
}

/**
 * @example
 * api.route('/', createExampleRoutes({ examplesDir, log, packs }));
 */
export function createExampleRoutes(deps: Pick<AppDeps, 'examplesDir' | 'log' | 'packs'>): Hono<AppEnv> {
  const { examplesDir, log } = deps;
  const fromPacks = packExamples(deps.packs);
  return new Hono<AppEnv>()
    .get('/workflows/examples', async (c) => {
      const names = await readdir(examplesDir).catch(() => [] as string[]);
      const examples = [];
      for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
        try {
          const header = zExampleHeader.safeParse(
            JSON.parse(await readFile(path.join(examplesDir, file), 'utf8')),
          );
          examples.push({
            name: file.slice(0, -'.json'.length),
            title: header.data?.name ?? file.slice(0, -'.json'.length),
            description: header.data?.extra?.description ?? '',
          });
        } catch (err) {
          log.warn('skipping an unreadable example workflow', { file, message: errorMessage(err) });
        }
      }
      for (const [name, example] of fromPacks) {
        const header = zExampleHeader.safeParse(example.workflow);
        examples.push({
          name,
          title: header.data?.name ?? name,
          description: header.data?.extra?.description ?? '',
        });
      }
      return c.json(examples);
    })
    .get('/workflows/examples/:name', params(zExampleParams), async (c) => {
      const { name } = c.req.valid('param');
      const packExample = fromPacks.get(name.endsWith('.json') ? name.slice(0, -'.json'.length) : name);
      if (packExample) return c.json(packExample.workflow);
      const file = await resolveExistingFile(examplesDir, '', fileName(name)).catch((err: unknown) => {
        throw err instanceof ApiError && err.type === 'not_found'
          ? new ApiError('not_found', `no example workflow '${name}'`)
          : err;
      });
      return c.body(await readFile(file, 'utf8'), 200, { 'Content-Type': 'application/json' });
    });
}
