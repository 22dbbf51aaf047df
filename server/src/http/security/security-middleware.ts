/**
 * @module
 * The request gate, in order: Host check (DNS rebinding), Origin check (cross-site requests and
 * WebSocket hijacking), then the bearer token. They run for WebSocket upgrades too, which pass
 * through the app like any request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error';
import type { AppEnv, SecurityOptions } from '../app-env';
import { isOriginAllowed } from './origin-policy';

/** Rejects requests whose Host header is not one of the server's own names (when it knows them). */
export function hostCheck(security: SecurityOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const hosts = security.allowedHosts();
    const host = c.req.header('host')?.toLowerCase();
    if (hosts && (!host || !hosts.includes(host))) {
      throw new ApiError('forbidden_host', `Host '${host ?? ''}' is not this server's`, {
        details: { allowed: hosts },
      });
    }
    await next();
  };
}

/** Rejects browser requests from other origins, unless listed with --cors-origin. */
export function originCheck(security: SecurityOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (
      origin !== undefined &&
      !isOriginAllowed(origin, {
        own: security.ownOrigins(),
        cors: security.corsOrigins,
        hostHeader: c.req.header('host'),
      })
    ) {
      throw new ApiError('forbidden_origin', `requests from origin '${origin}' are not allowed`);
    }
    await next();
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Token from `Authorization: Bearer T`, or `?token=T` where headers can't be set (WebSocket, <img>). */
function presentedToken(
  authorization: string | undefined,
  queryToken: string | undefined,
): string | undefined {
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  return match?.[1]?.trim() ?? queryToken;
}

/** Requires the auth token on every request when one is configured. */
export function authCheck(security: SecurityOptions): MiddlewareHandler<AppEnv> {
  const expected = security.authToken === undefined ? undefined : digest(security.authToken);
  return async (c, next) => {
    if (expected) {
      const token = presentedToken(c.req.header('authorization'), c.req.query('token'));
      // Compare digests: equal length, and no timing signal about how much of the token matched.
      if (token === undefined || !timingSafeEqual(digest(token), expected)) {
        throw new ApiError(
          'unauthorized',
          token === undefined ? 'an auth token is required' : 'wrong auth token',
          {
            headers: { 'WWW-Authenticate': 'Bearer' },
          },
        );
      }
    }
    await next();
  };
}
