/** @module `GET /queue` (running and pending, ComfyUI's tuples) and `POST /queue` (delete, clear). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps, AppEnv } from '../app-env';
import { queueTuple } from '../comfy-shapes';
import { jsonBody } from '../validation';
import { zPromptId } from './prompt-routes';

/** ComfyUI's queue edit: `{ clear: true }` and/or `{ delete: [ids] }`. */
export const zQueueChange = z
  .object({
    clear: z.boolean().optional().describe('Remove every pending prompt.'),
    delete: z.array(zPromptId).max(10_000).optional().describe('Remove these pending prompts.'),
  })
  .strict()
  .refine((b) => b.clear !== undefined || b.delete !== undefined, { message: "give 'clear' or 'delete'" });

/**
 * @example
 * api.route('/', createQueueRoutes({ queue }));
 */
export function createQueueRoutes(deps: Pick<AppDeps, 'queue' | 'cluster'>): Hono<AppEnv> {
  const { queue } = deps;
  return new Hono<AppEnv>()
    .get('/queue', (c) => {
      const state = queue.state();
      return c.json({
        queue_running: state.running.map(queueTuple),
        queue_pending: state.pending.map(queueTuple),
        // Cluster mode: the workers, who runs what, and why a pending prompt waits.
        ...(deps.cluster ? { cluster: deps.cluster.describe() } : {}),
      });
    })
    .post('/queue', jsonBody(zQueueChange), (c) => {
      const change = c.req.valid('json');
      const deleted = [
        ...(change.delete ? queue.remove(change.delete) : []),
        ...(change.clear ? queue.clear() : []),
      ];
      return c.json({ deleted });
    });
}
