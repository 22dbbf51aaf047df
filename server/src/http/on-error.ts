/**
 * @module
 * The one place errors become responses: `ApiError`s render as they are, Hono's own exceptions by
 * their status, and anything else is a bug: logged with its stack, answered with a bare 500.
 */
import { errorMessage, type Logger } from '@momaflow/engine';
import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ApiError, errorTypeForStatus } from './api-error';
import type { AppEnv } from './app-env';

/**
 * The app's `onError`.
 * @example
 * app.onError(renderError(log));
 */
export function renderError(log: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (err instanceof ApiError) return c.json(err.body(), err.status, err.headers);
    if (err instanceof HTTPException) {
      const type = errorTypeForStatus(err.status);
      return c.json({ error: { type, message: err.message || type, details: null } }, err.status);
    }
    log.error('unhandled error in a request', {
      method: c.req.method,
      path: c.req.path,
      message: errorMessage(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    return c.json(
      { error: { type: 'internal_error', message: 'internal server error', details: null } },
      500,
    );
  };
}

/** The app's `notFound`: a JSON 404 naming the method and path. */
export const renderNotFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(
    { error: { type: 'not_found', message: `no endpoint ${c.req.method} ${c.req.path}`, details: null } },
    404,
  );
