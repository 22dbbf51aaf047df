/**
 * The built editor served by the real server from a temporary `dist` folder: index and asset
 * caching headers and the CSP, confinement to the folder (traversal, symlinks), files public while
 * the API keeps its token and its JSON 404s, the Host and Origin checks in front of both, and the
 * page that says how to build the editor when it is missing.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorType, request } from './support/http';
import { rawRequest } from './support/raw-http';
import { startTestServer, type TestServer } from './support/test-server';

const TOKEN = 'editor-files-token';
const INDEX_HTML = '<!doctype html><script type="module" src="./assets/index-3f2a1b.js"></script>';
const SCRIPT = 'console.log("momaflow editor");';
const STYLE = 'body { color: #ddd; }';
const SECRET = 'not for the browser';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self' ws: wss:; frame-ancestors 'none'";
const IMMUTABLE = 'public, max-age=31536000, immutable';

describe('the built editor', () => {
  let root: string;
  let t: TestServer;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'momaflow-editor-dist-'));
    const dist = path.join(root, 'dist');
    await mkdir(path.join(dist, 'assets'), { recursive: true });
    await writeFile(path.join(dist, 'index.html'), INDEX_HTML);
    await writeFile(path.join(dist, 'assets', 'index-3f2a1b.js'), SCRIPT);
    await writeFile(path.join(dist, 'assets', 'index-9c8d7e.css'), STYLE);
    await writeFile(path.join(root, 'secret.txt'), SECRET);
    await symlink(path.join(root, 'secret.txt'), path.join(dist, 'assets', 'escape.js'));
    t = await startTestServer({ editorDir: dist, authToken: TOKEN });
  });
  afterAll(async () => {
    await t.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it.each(['/', '/index.html'])(
    'serves %s: index.html, revalidated, under the CSP, without the token',
    async (url) => {
      const res = await request(t.url, url);
      expect(res.status).toBe(200);
      expect(res.body).toBe(INDEX_HTML);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toBe(CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  it.each([
    ['/assets/index-3f2a1b.js', 'text/javascript; charset=utf-8', SCRIPT],
    ['/assets/index-9c8d7e.css', 'text/css; charset=utf-8', STYLE],
  ])('serves %s as %s, cached for good', async (url, contentType, body) => {
    const res = await request(t.url, url);
    expect(res.status).toBe(200);
    expect(res.body).toBe(body);
    expect(res.headers.get('content-type')).toBe(contentType);
    expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
  });

  it.each([
    ['/assets/..%2f..%2fsecret.txt', 400, 'invalid_path'],
    ['/assets/..%5C..%5Csecret.txt', 400, 'invalid_path'],
    // Dot segments are resolved before routing: these leave /assets/ and meet the token check.
    ['/assets/.%2e/secret.txt', 401, 'unauthorized'],
    ['/assets/../../secret.txt', 401, 'unauthorized'],
    ['/secret.txt', 401, 'unauthorized'],
    ['/assets/escape.js', 403, 'forbidden_path'],
    ['/assets/.hidden', 400, 'invalid_path'],
    ['/assets/', 400, 'invalid_path'],
  ])('refuses %s with %i %s', async (url, status, type) => {
    const res = await rawRequest(t.server.port, { path: url });
    expect(res.status).toBe(status);
    expect(errorType(JSON.parse(res.text))).toBe(type);
    expect(res.text).not.toContain(SECRET);
  });

  it('requires the token for the API and the event stream, not for the files', async () => {
    expect((await request(t.url, '/api/queue')).status).toBe(401);
    expect((await request(t.url, `/api/queue?token=${TOKEN}`)).status).toBe(200);
    expect(
      (await request(t.url, '/api/queue', { headers: { authorization: `Bearer ${TOKEN}` } })).status,
    ).toBe(200);
    expect((await request(t.url, '/ws?clientId=editor')).status).toBe(401);
    const unknown = await request(t.url, `/api/nothing-here?token=${TOKEN}`);
    expect(unknown.status).toBe(404);
    expect(errorType(unknown.body)).toBe('not_found');
  });

  it('keeps the Host and Origin checks in front of the files', async () => {
    const host = await rawRequest(t.server.port, { path: '/', headers: { host: 'attacker.example' } });
    expect(host.status).toBe(403);
    expect(host.text).not.toContain('<script');
    const origin = await request(t.url, '/assets/index-3f2a1b.js', {
      headers: { origin: 'http://attacker.example' },
    });
    expect(origin.status).toBe(403);
    expect(errorType(origin.body)).toBe('forbidden_origin');
  });
});

describe('an editor that is not built', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ editorDir: path.join(os.tmpdir(), 'momaflow-no-such-editor-dist') });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('answers / with a page that says how to build it, and the API keeps working', async () => {
    const res = await request(t.url, '/');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toContain('pnpm --filter @momaflow/editor build');
    expect(errorType((await request(t.url, '/assets/index.js')).body)).toBe('not_found');
    expect((await request(t.url, '/api/system_stats')).status).toBe(200);
  });
});
