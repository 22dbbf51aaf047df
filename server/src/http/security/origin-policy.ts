/**
 * @module
 * Who may talk to the server, as pure functions of the address it listens on. Bound to loopback, the
 * server accepts only loopback Host headers (a DNS-rebinding page sends its own name) and only its own
 * loopback origins; bound to all interfaces, it cannot know its names, so a browser origin must
 * match the Host it was sent to, and the auth token carries the rest.
 */

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || h === '[::1]' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** True for binds to every interface (0.0.0.0, ::). */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host);
}

/** The origins a browser shows for pages this server serves. */
export function ownOrigins(address: ListenAddress): string[] {
  if (isWildcardHost(address.host)) return [];
  const names = isLoopbackHost(address.host)
    ? [...new Set([bracket(address.host), ...LOOPBACK_NAMES])]
    : [bracket(address.host)];
  return names.map((name) => `http://${name}:${address.port}`);
}

/** Host headers to accept, or null to accept any (when not bound to loopback). */
export function allowedHosts(address: ListenAddress): string[] | null {
  if (!isLoopbackHost(address.host)) return null;
  const names = [...new Set([bracket(address.host).toLowerCase(), ...LOOPBACK_NAMES])];
  return names.flatMap((name) => (address.port === 80 ? [name, `${name}:80`] : [`${name}:${address.port}`]));
}

/** `origin` normalised (lower-case host, default port dropped), or undefined if it is not one. */
export function normaliseOrigin(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

export interface OriginContext {
  readonly own: readonly string[];
  readonly cors: readonly string[];
  /** The request's Host header, for wildcard binds. */
  readonly hostHeader: string | undefined;
}

/**
 * Whether a request carrying `Origin: origin` may proceed.
 * @example
 * isOriginAllowed('http://evil.example', { own: ownOrigins(addr), cors: [], hostHeader }) // false
 */
export function isOriginAllowed(origin: string, context: OriginContext): boolean {
  const normal = normaliseOrigin(origin);
  if (!normal) return false;
  const allowed = [...context.own, ...context.cors].map(normaliseOrigin);
  if (allowed.includes(normal)) return true;
  if (context.own.length === 0 && context.hostHeader) {
    // Wildcard bind: same-origin means the page came from the host this request was sent to.
    return new URL(normal).host === context.hostHeader.toLowerCase();
  }
  return false;
}
