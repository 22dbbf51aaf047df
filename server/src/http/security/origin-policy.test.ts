import { describe, expect, it } from 'vitest';
import { allowedHosts, isLoopbackHost, isOriginAllowed, normaliseOrigin, ownOrigins } from './origin-policy';

const LOOPBACK = { host: '127.0.0.1', port: 8188 };

describe(isOriginAllowed.name, () => {
  const own = ownOrigins(LOOPBACK);
  it.each([
    ['http://127.0.0.1:8188', [], true],
    ['http://localhost:8188', [], true],
    ['http://[::1]:8188', [], true],
    ['HTTP://LOCALHOST:8188', [], true],
    ['http://127.0.0.1:8189', [], false],
    ['https://127.0.0.1:8188', [], false],
    ['http://evil.example', [], false],
    ['null', [], false],
    ['not a url', [], false],
    ['file://', [], false],
    ['http://editor.example:5173', ['http://editor.example:5173'], true],
    ['http://editor.example:5173', ['http://editor.example:5174'], false],
    ['https://app.example', ['https://app.example:443'], true],
  ] as const)('%s with cors %j -> %s', (origin, cors, expected) => {
    expect(isOriginAllowed(origin, { own, cors, hostHeader: '127.0.0.1:8188' })).toBe(expected);
  });

  it('on a wildcard bind, accepts an origin only when it matches the Host the request went to', () => {
    const wildcard = ownOrigins({ host: '0.0.0.0', port: 8188 });
    expect(wildcard).toEqual([]);
    const context = { own: wildcard, cors: [], hostHeader: '192.168.1.20:8188' };
    expect(isOriginAllowed('http://192.168.1.20:8188', context)).toBe(true);
    expect(isOriginAllowed('http://evil.example:8188', context)).toBe(false);
  });
});

describe(allowedHosts.name, () => {
  it('lists loopback names with the port when bound to loopback, nothing to check otherwise', () => {
    expect(allowedHosts(LOOPBACK)).toEqual(['127.0.0.1:8188', 'localhost:8188', '[::1]:8188']);
    expect(allowedHosts({ host: 'localhost', port: 80 })).toContain('localhost');
    expect(allowedHosts({ host: '0.0.0.0', port: 8188 })).toBeNull();
    expect(allowedHosts({ host: '192.168.1.20', port: 8188 })).toBeNull();
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['0.0.0.0', false],
    ['192.168.1.1', false],
    ['127.0.0.1.evil.example', false],
  ] as const)('isLoopbackHost(%s) = %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it('normalises origins', () => {
    expect(normaliseOrigin('http://LOCALHOST:80')).toBe('http://localhost');
    expect(normaliseOrigin('ftp://x')).toBeUndefined();
  });
});
