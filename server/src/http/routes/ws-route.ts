/**
 * @module
 * The WebSocket endpoint `/ws?clientId=…[&subscribe=all]` on the HTTP port. The upgrade request goes
 * through the same middleware as every request (host, origin, token), so a page from another origin
 * cannot open it. On connect the client gets a `status` frame carrying its id (`sid`).
 */
import { randomUUID } from 'node:crypto';
import { upgradeWebSocket } from '@hono/node-server';
import { errorMessage, type Logger } from '@momaflow/engine';
import { Hono } from 'hono';
import { WebSocket } from 'ws';
import { z } from 'zod';
import { statusMessage, zClientId, zClientMessage } from '../../protocol';
import type { ClientHub, HubClient } from '../../ws';
import { ApiError } from '../api-error';
import type { AppEnv } from '../app-env';
import { query } from '../validation';

/** The WebSocket URL's query: ComfyUI's `clientId`, and `subscribe`. */
export const zWsQuery = z.object({
  clientId: zClientId.optional().describe('Your client id; prompts submitted with it send you their events.'),
  subscribe: z.enum(['all', 'own']).default('own').describe("'all' receives every prompt's events."),
});

export interface WsRouteDeps {
  readonly hub: ClientHub;
  readonly queueRemaining: () => number;
  readonly log: Logger;
}

function parseClientMessage(data: unknown): ReturnType<typeof zClientMessage.safeParse> | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    return zClientMessage.safeParse(JSON.parse(data));
  } catch {
    return undefined;
  }
}

/**
 * @example
 * app.route('/', createWsRoute({ hub, queueRemaining, log }));
 */
export function createWsRoute(deps: WsRouteDeps): Hono<AppEnv> {
  const { hub, log } = deps;
  const app = new Hono<AppEnv>();
  app.get(
    '/ws',
    query(zWsQuery),
    upgradeWebSocket(
      (c) => {
        // Already checked by the `query` middleware above; parsed again for its type.
        const { clientId: requested, subscribe } = zWsQuery.parse(c.req.query());
        const clientId = requested ?? randomUUID().replaceAll('-', '');
        let client: HubClient | undefined;
        return {
          onOpen(_event, ws) {
            if (!(ws.raw instanceof WebSocket)) {
              ws.close(1011, 'unsupported socket');
              return;
            }
            client = hub.attach(ws.raw, { clientId, subscribeAll: subscribe === 'all' });
            hub.send(client, statusMessage(deps.queueRemaining(), clientId));
          },
          onMessage(event) {
            if (!client) return;
            const parsed = parseClientMessage(event.data);
            if (!parsed?.success) {
              const why = parsed ? (parsed.error.issues[0]?.message ?? 'invalid') : 'not a JSON text message';
              hub.send(client, { type: 'error', data: { type: 'invalid_message', message: why } });
              return;
            }
            if (parsed.data.type === 'subscribe') client.subscribeAll = parsed.data.data.all;
          },
          onClose() {
            if (client) hub.detach(client);
          },
          onError(event) {
            log.warn('websocket error', { clientId, message: errorMessage(event) });
          },
        };
      },
      { onError: (err) => log.error('websocket handler failed', { message: errorMessage(err) }) },
    ),
    () => {
      throw new ApiError('upgrade_required', 'this endpoint speaks WebSocket only', {
        headers: { Upgrade: 'websocket' },
      });
    },
  );
  return app;
}
