/**
 * @module
 * History: `GET /history` (paged as ComfyUI: `max_items`, `offset` from the oldest; by default the
 * newest page), `GET /history/:id` (`{}` when there is no finished entry, as ComfyUI answers while a
 * prompt is queued or for an id it never saw), `DELETE /history[/:id]`, ComfyUI's `POST /history`, and
 * `POST /history/:id/requeue` for prompts that were interrupted (a restart) or failed.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { historyEntry } from '../comfy-shapes';
import { jsonBody, params, query } from '../validation';
import { zPromptId } from './prompt-routes';

/** ComfyUI's history paging. */
export const zHistoryQuery = z.object({
  max_items: z.coerce.number().int().min(1).max(10_000).optional().describe('Page size (default: all).'),
  offset: z.coerce.number().int().min(0).optional().describe('Index of the first entry, oldest first.'),
});
/** A prompt id in the path. */
export const zPromptIdParams = z.object({ prompt_id: zPromptId });
/** Any id may be looked up: one that cannot exist simply has no entry. */
export const zHistoryLookupParams = z.object({ prompt_id: z.string().min(1).max(1024) });
/** ComfyUI's history edit: `{ clear: true }` or `{ delete: [ids] }`. */
export const zHistoryChange = z
  .object({
    clear: z.boolean().optional().describe('Delete all history.'),
    delete: z.array(zPromptId).max(10_000).optional().describe('Delete these entries.'),
  })
  .strict()
  .refine((b) => b.clear !== undefined || b.delete !== undefined, { message: "give 'clear' or 'delete'" });

/**
 * @example
 * api.route('/', createHistoryRoutes({ queue, store }));
 */
export function createHistoryRoutes(deps: Pick<AppDeps, 'queue' | 'store'>): Hono<AppEnv> {
  const { queue, store } = deps;
  const finished = (id: string) => {
    const stored = queue.lookup(id);
    if (!stored || stored.finishedAt === null) throw new ApiError('not_found', `no history entry '${id}'`);
    return stored;
  };
  return new Hono<AppEnv>()
    .get('/history', query(zHistoryQuery), (c) => {
      const { max_items, offset } = c.req.valid('query');
      const page = store.history({
        ...(max_items !== undefined ? { maxItems: max_items } : {}),
        ...(offset !== undefined ? { offset } : {}),
      });
      c.header('X-Total-Count', String(page.total));
      return c.json(Object.fromEntries(page.items.map((item) => [item.id, historyEntry(item)])));
    })
    .get('/history/:prompt_id', params(zHistoryLookupParams), (c) => {
      const stored = queue.lookup(c.req.valid('param').prompt_id);
      return c.json(stored?.finishedAt != null ? { [stored.id]: historyEntry(stored) } : {});
    })
    .delete('/history', (c) => c.json({ deleted: store.deleteHistory() }))
    .delete('/history/:prompt_id', params(zPromptIdParams), (c) => {
      const { prompt_id } = c.req.valid('param');
      if (store.deleteHistory([prompt_id]) === 0)
        throw new ApiError('not_found', `no history entry '${prompt_id}'`);
      return c.json({ deleted: 1 });
    })
    .post('/history', jsonBody(zHistoryChange), (c) => {
      const change = c.req.valid('json');
      const deleted = change.clear ? store.deleteHistory() : store.deleteHistory(change.delete ?? []);
      return c.json({ deleted });
    })
    .post('/history/:prompt_id/requeue', params(zPromptIdParams), (c) => {
      const stored = finished(c.req.valid('param').prompt_id);
      const item = queue.requeue(stored.id);
      if (!item) {
        throw new ApiError(
          'conflict',
          `prompt '${stored.id}' ended with '${stored.status}'; only interrupted or failed prompts can be re-queued`,
        );
      }
      return c.json({ prompt_id: item.id, number: item.number });
    });
}
