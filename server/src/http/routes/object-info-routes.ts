/** @module `GET /object_info[/:type]`: node schemas in ComfyUI's shape. */
import { nodeSchema, objectInfo } from '@momaflow/engine';
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { params } from '../validation';

/** A node type name. */
export const zNodeTypeParams = z.object({ type: z.string().min(1).max(200) });

/**
 * @example
 * api.route('/', createObjectInfoRoutes({ registry, env }));
 */
export function createObjectInfoRoutes(deps: Pick<AppDeps, 'registry' | 'env'>): Hono<AppEnv> {
  const { registry, env } = deps;
  return new Hono<AppEnv>()
    .get('/object_info', async (c) => c.json(await objectInfo(registry, env)))
    .get('/object_info/:type', params(zNodeTypeParams), async (c) => {
      const { type } = c.req.valid('param');
      const entry = registry.entry(type);
      if (!entry) throw new ApiError('not_found', `unknown node type '${type}'`);
      return c.json({ [type]: await nodeSchema(entry.definition, entry, env) });
    });
}
