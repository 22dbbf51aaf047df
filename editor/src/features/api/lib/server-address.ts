/**
 * @module
 * Where the API is. By default the server that served the page (same origin, same base path); a
 * `?server=` query parameter points a dev build elsewhere, and `?token=` carries the auth token
 * (kept for the session, then removed from the address bar so it is not bookmarked).
 */

export interface ServerAddress {
  /** e.g. `http://127.0.0.1:8188/api` */
  readonly apiBase: string;
  /** e.g. `ws://127.0.0.1:8188/ws` */
  readonly wsUrl: string;
  readonly token: string | undefined;
}

/**
 * @example
 * serverAddress(new URL('http://127.0.0.1:8188/?token=abc'), undefined)
 * // { apiBase: 'http://127.0.0.1:8188/api', wsUrl: 'ws://127.0.0.1:8188/ws', token: 'abc' }
 */
export function serverAddress(page: URL, storedToken: string | undefined): ServerAddress {
  const server = page.searchParams.get('server');
  const root = server ? new URL(server) : new URL('.', page);
  const base = root.href.endsWith('/') ? root.href : `${root.href}/`;
  const ws = new URL('ws', base);
  ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = page.searchParams.get('token') ?? storedToken;
  return { apiBase: new URL('api', base).href, wsUrl: ws.href, token: token || undefined };
}
