/**
 * @module
 * zod at the HTTP edge: middleware that parses a JSON body, the query or the path parameters and
 * hands the handler typed data through `c.req.valid(...)`, or answers 400 with the first issues.
 *
 * Bodies are read as JSON whatever their declared Content-Type, as ComfyUI does: its example scripts
 * post with Python's urllib, which labels every body `application/x-www-form-urlencoded`, and `curl
 * -d` and Node's `fetch` with a string body say urlencoded and `text/plain`. Refusing those (415) is
 * not what protects the server from cross-site requests, and accepting them does not weaken it:
 * - A page on another site can make a browser POST `text/plain`, urlencoded or multipart bodies
 *   without a CORS preflight (a "simple request"), and a `text/plain` form can spell out a JSON
 *   document, so a JSON API that trusts such bodies is open to CSRF.
 * - Every such browser request carries an `Origin` header (all current browsers send it on every
 *   cross-origin request and every POST), and `originCheck` refuses it before any body is read
 *   unless the origin is this server's own or listed with --cors-origin. Requests without `Origin`
 *   come from scripts, not from pages in other origins.
 * - With --auth-token, a page cannot send the token at all (a header would need a preflight).
 * `create-app.test.ts` pins a cross-origin `text/plain` POST to `/prompt` being refused.
 */
import type { MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { ApiError } from './api-error';
import type { AppEnv } from './app-env';

const MAX_REPORTED_ISSUES = 20;
/** Deeper than any real prompt or workflow; deeper JSON would make recursive code overflow the stack. */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of parsed JSON, measured without recursion and stopping as soon as it passes `limit`. */
function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

function invalid(where: string, error: z.ZodError): ApiError {
  const issues = error.issues.slice(0, MAX_REPORTED_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
  const first = issues[0];
  const at = first?.path ? `${first.path}: ` : '';
  return new ApiError('invalid_request', `invalid ${where}: ${at}${first?.message ?? 'invalid'}`, {
    details: { issues },
  });
}

function parse<T extends z.ZodType<object>>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(where, result.error);
  return result.data;
}

/**
 * A JSON body checked against `schema`, whatever its declared type (see the module note). With
 * `optional`, an empty body counts as `{}`.
 * @example
 * app.post('/queue', jsonBody(zQueueRequest), (c) => c.json(handle(c.req.valid('json'))));
 */
export function jsonBody<T extends z.ZodType<object>>(
  schema: T,
  options: { optional?: boolean } = {},
): MiddlewareHandler<AppEnv, string, { in: { json: z.input<T> }; out: { json: z.output<T> } }> {
  return async (c, next) => {
    const text = await c.req.text();
    let value: unknown = {};
    if (text.length > 0 || !options.optional) {
      try {
        value = JSON.parse(text);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        throw new ApiError('invalid_json', `the request body is not valid JSON: ${why}`);
      }
      if (exceedsDepth(value, MAX_JSON_DEPTH)) {
        throw new ApiError('invalid_json', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
      }
    }
    c.req.addValidatedData('json', parse(schema, value, 'request body'));
    await next();
  };
}

/** Query parameters checked against `schema` (repeated keys arrive as arrays). */
export function query<T extends z.ZodType<object>>(
  schema: T,
): MiddlewareHandler<AppEnv, string, { in: { query: Record<string, string> }; out: { query: z.output<T> } }> {
  return async (c, next) => {
    const raw = Object.fromEntries(
      Object.entries(c.req.queries()).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
    );
    c.req.addValidatedData('query', parse(schema, raw, 'query'));
    await next();
  };
}

/** Path parameters checked against `schema`. */
export function params<T extends z.ZodType<object>>(
  schema: T,
): MiddlewareHandler<AppEnv, string, { in: { param: Record<string, string> }; out: { param: z.output<T> } }> {
  return async (c, next) => {
    c.req.addValidatedData('param', parse(schema, c.req.param(), 'path'));
    await next();
  };
}
