/**
 * @module
 * Redis URLs from the command line (`redis://[user:password@]host:port[/db]`, `rediss://` for TLS):
 * checked at the edge, and redacted wherever they are shown, so a password never reaches a log line.
 */
import { z } from 'zod';

const PROTOCOLS = new Set(['redis:', 'rediss:']);

/** Hides the password (and a user name given alone, which Redis treats as a password) of a Redis URL. */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unreadable redis url>';
  }
  if (parsed.password) parsed.password = '***';
  else if (parsed.username) parsed.username = '***';
  return parsed.toString();
}

/** A Redis URL: the protocol, a host, and a database number when a path is given. */
export const zRedisUrl = z.string().superRefine((url, ctx) => {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL (expected redis://HOST:PORT[/DB])' });
    return;
  }
  const shown = redactRedisUrl(url);
  if (!PROTOCOLS.has(parsed.protocol)) {
    ctx.addIssue({ code: 'custom', message: `'${shown}' must start with redis:// or rediss://` });
  } else if (!parsed.hostname) {
    ctx.addIssue({ code: 'custom', message: `'${shown}' names no host` });
  } else if (parsed.pathname.length > 1 && !/^\/\d{1,2}$/.test(parsed.pathname)) {
    ctx.addIssue({ code: 'custom', message: `'${shown}': the path must be a database number, as in /0` });
  }
});
