/**
 * @module
 * `POST /interrupt`: without a body, interrupts whatever runs (ComfyUI); with `prompt_id`, interrupts
 * that prompt if it runs, or cancels it if it is still pending (recorded in history as interrupted).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { jsonBody } from '../validation';
import { zPromptId } from './prompt-routes';

/** An optional body naming the prompt to interrupt. */
export const zInterruptRequest = z
  .object({ prompt_id: zPromptId.optional().describe('Only this prompt (running or pending).') })
  .strict();

/**
 * @example
 * api.route('/', createInterruptRoute({ queue, worker }));
 */
export function createInterruptRoute(deps: Pick<AppDeps, 'queue' | 'worker'>): Hono<AppEnv> {
  const { queue, worker } = deps;
  return new Hono<AppEnv>().post('/interrupt', jsonBody(zInterruptRequest, { optional: true }), (c) => {
    const { prompt_id: id } = c.req.valid('json');
    if (id === undefined) return c.json({ interrupted: worker.interrupt() ?? null, cancelled: null });
    if (worker.interrupt(id)) return c.json({ interrupted: id, cancelled: null });
    if (queue.cancel(id)) return c.json({ interrupted: null, cancelled: id });
    const stored = queue.lookup(id);
    if (!stored) throw new ApiError('not_found', `no prompt '${id}'`);
    throw new ApiError('conflict', `prompt '${id}' already ended with '${stored.status}'`);
  });
}
