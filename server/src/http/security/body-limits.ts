/**
 * @module
 * Request body limits: uploads get their own (larger) limit, everything else the JSON limit. Bodies
 * with a Content-Length over the limit are refused before they are read; chunked ones as soon as
 * they cross it.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../api-error';
import type { AppEnv, Limits } from '../app-env';

/** Upload routes, with and without the `/api` prefix. */
const UPLOAD_PATH = /^(\/api)?\/upload\//;

function limitOf(maxSize: number, what: string): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError('payload_too_large', `${what} bodies are limited to ${maxSize} bytes`, {
        details: { limit: maxSize },
      });
    },
  });
}

/**
 * @example
 * app.use('*', bodyLimits({ maxJsonBytes: 16 << 20, maxUploadBytes: 64 << 20, maxImagePixels: 64e6 }));
 */
export function bodyLimits(limits: Limits): MiddlewareHandler<AppEnv> {
  const upload = limitOf(limits.maxUploadBytes, 'upload');
  const json = limitOf(limits.maxJsonBytes, 'request');
  return (c, next) => (UPLOAD_PATH.test(c.req.path) ? upload(c, next) : json(c, next));
}
