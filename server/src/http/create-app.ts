/**
 * @module
 * The Hono app: the request gate (host, origin, CORS, token, body limits) in front of the REST API
 * and the WebSocket endpoint, and the built editor at `/`. Like ComfyUI, every API route answers both
 * under `/api` and without it (`/prompt`, `/history/{id}`), and the WebSocket both at `/ws` and
 * `/api/ws`, so ComfyUI's scripts and clients work unchanged. A pure function of its dependencies, so
 * tests can call `app.request()` without a socket.
 */
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { queueRemaining } from '../queue';
import type { AppDeps, AppEnv } from './app-env';
import { renderError, renderNotFound } from './on-error';
import { buildOpenApiDocument } from './openapi/openapi-document';
import { createEditorRoutes } from './routes/editor-routes';
import { createExampleRoutes } from './routes/example-routes';
import { createHistoryRoutes } from './routes/history-routes';
import { createInterruptRoute } from './routes/interrupt-route';
import { createObjectInfoRoutes } from './routes/object-info-routes';
import { createPromptRoutes } from './routes/prompt-routes';
import { createQueueRoutes } from './routes/queue-routes';
import { createSystemRoutes } from './routes/system-routes';
import { createUploadRoutes } from './routes/upload-routes';
import { createUserdataRoutes } from './routes/userdata-routes';
import { createViewRoute } from './routes/view-route';
import { createWsRoute } from './routes/ws-route';
import { bodyLimits } from './security/body-limits';
import { authCheck, hostCheck, originCheck } from './security/security-middleware';

/** Where the API is mounted: ComfyUI serves every route under both. */
export const API_PREFIXES = ['/api', '/'] as const;

/**
 * @example
 * const app = createApp(deps);
 * const res = await app.request('/api/system_stats', { headers: { host: '127.0.0.1:8188' } });
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError(renderError(deps.log));
  app.notFound(renderNotFound);

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });
  app.use('*', hostCheck(deps.security), originCheck(deps.security));
  if (deps.security.corsOrigins.length > 0) {
    app.use(
      '*',
      cors({
        origin: [...deps.security.corsOrigins],
        allowHeaders: ['Content-Type', 'Authorization'],
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
        exposeHeaders: ['X-Total-Count'],
        maxAge: 600,
      }),
    );
  }
  // The editor's files answer before the token check, behind the Host and Origin checks: a page opened
  // as `/?token=T` cannot put the token on its own <script> and <link> requests. They hold no data; the
  // editor then sends the token on every API call, WebSocket and image URL. Only these exact paths are
  // public, so every API route, with or without `/api`, keeps its token check and its JSON 404s.
  app.route('/', createEditorRoutes(deps));
  // Cluster workers call with their own token (checked by these routes), never with the users' one.
  if (deps.cluster) app.route('/api', deps.cluster.routes);
  app.use('*', authCheck(deps.security), bodyLimits(deps.limits));

  const openapi = buildOpenApiDocument({ version: deps.version });
  const api = new Hono<AppEnv>()
    .route('/', createObjectInfoRoutes(deps))
    .route('/', createPromptRoutes(deps))
    .route('/', createQueueRoutes(deps))
    .route('/', createInterruptRoute(deps))
    .route('/', createHistoryRoutes(deps))
    .route('/', createViewRoute(deps))
    .route('/', createUploadRoutes(deps))
    .route('/', createSystemRoutes(deps))
    .route('/', createUserdataRoutes(deps))
    .route('/', createExampleRoutes(deps))
    .get('/openapi.json', (c) => c.json(openapi));
  const ws = createWsRoute({
    hub: deps.hub,
    queueRemaining: () => queueRemaining(deps.queue.state()),
    log: deps.log,
  });
  for (const prefix of API_PREFIXES) app.route(prefix, api).route(prefix, ws);
  return app;
}
