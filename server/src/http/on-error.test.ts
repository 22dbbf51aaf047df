import { createLogger, type LogLevel } from '@momaflow/engine';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error';
import type { AppEnv } from './app-env';
import { renderError } from './on-error';

function appThrowing(err: unknown) {
  const lines: [LogLevel, string, Record<string, unknown>][] = [];
  const app = new Hono<AppEnv>();
  app.onError(renderError(createLogger((level, message, data) => lines.push([level, message, data]))));
  app.get('/', () => {
    throw err;
  });
  return { app, lines };
}

describe(renderError.name, () => {
  it('renders an ApiError with its status, extra fields and headers', async () => {
    const { app } = appThrowing(
      new ApiError('unauthorized', 'no token', {
        details: { hint: 1 },
        extra: { node_errors: {} },
        headers: { 'WWW-Authenticate': 'Bearer' },
      }),
    );
    const res = await app.request('/');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({
      node_errors: {},
      error: { type: 'unauthorized', message: 'no token', details: { hint: 1 } },
    });
  });

  it("maps Hono's own exceptions by status", async () => {
    const res = await appThrowing(new HTTPException(413, { message: 'too big' })).app.request('/');
    expect([res.status, await res.json()]).toEqual([
      413,
      { error: { type: 'payload_too_large', message: 'too big', details: null } },
    ]);
  });

  it('answers a bug with a bare 500 and logs the stack instead of sending it', async () => {
    const { app, lines } = appThrowing(new TypeError('secret internals'));
    const res = await app.request('/');
    const text = await res.text();
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { type: 'internal_error', message: 'internal server error', details: null },
    });
    expect(text).not.toContain('secret');
    expect(lines[0]?.[0]).toBe('error');
    expect(String(lines[0]?.[2].stack)).toContain('TypeError: secret internals');
  });
});
