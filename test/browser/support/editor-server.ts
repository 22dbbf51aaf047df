/**
 * @module
 * The real momaflow server on a loopback port with a fresh data folder (the repository's example
 * input image copied in, the tiny default checkpoint made), the built-in nodes plus the browser test pack, and the built editor.
 * When the server does not serve the editor itself yet, a static file server on a second loopback
 * port serves `editor/dist` and the server allows that origin (`corsOrigins`); the editor then
 * talks to the API through `?server=`.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuiltinRegistry, makeTinySd15 } from '@momaflow/nodes';
import { type RunningServer, startServer } from '@momaflow/server';
import { createBrowserTestPack } from './browser-test-pack';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EDITOR_DIST = path.join(ROOT, 'editor', 'dist');
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const EXAMPLE_IMAGE = path.join(ROOT, 'input', 'example.png');

const MEDIA_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface EditorServer {
  /** Where to open the editor. */
  readonly editorUrl: string;
  /** The API server's base URL. */
  readonly apiUrl: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

const BUILD_LOCK = path.join(ROOT, 'editor', '.build-lock');
const BUILD_STAMP = path.join(EDITOR_DIST, '.built-for');
const LOCK_WAIT_MS = 120_000;

/**
 * Builds the editor (about a second with Vite 8) once per test run, so the tests never use a stale
 * `editor/dist`. Test files run in parallel workers of one vitest process: the first takes a lock
 * and builds, the others wait for it and see the stamp with their shared parent's pid.
 */
export async function buildEditor(): Promise<void> {
  const stamp = `vitest parent ${process.ppid}`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(BUILD_LOCK);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`${BUILD_LOCK} is held for over ${LOCK_WAIT_MS} ms; remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if ((await readFile(BUILD_STAMP, 'utf8').catch(() => '')) === stamp) return;
    // vitest sets NODE_ENV=test, which would make Vite bundle React's (much slower) development build.
    const env = { ...process.env, NODE_ENV: 'production' };
    execFileSync('pnpm', ['--filter', '@momaflow/editor', 'build'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await writeFile(BUILD_STAMP, stamp);
  } finally {
    await rm(BUILD_LOCK, { recursive: true, force: true });
  }
}

async function serveStatic(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const relative = path.normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, '');
    const file = path.join(dir, relative === '' ? 'index.html' : relative);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) =>
        res
          .writeHead(200, { 'Content-Type': MEDIA_TYPES[path.extname(file)] ?? 'application/octet-stream' })
          .end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function servesEditor(url: string): Promise<boolean> {
  const res = await fetch(`${url}/`).catch(() => undefined);
  return (res?.ok ?? false) && (res?.headers.get('content-type') ?? '').startsWith('text/html');
}

/**
 * @example
 * const server = await startEditorServer();
 * await page.goto(server.editorUrl);
 */
export async function startEditorServer(): Promise<EditorServer> {
  await buildEditor();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-browser-'));
  await mkdir(path.join(dataDir, 'input'), { recursive: true });
  await copyFile(EXAMPLE_IMAGE, path.join(dataDir, 'input', 'example.png'));
  // The tiny default SD1.5 checkpoint, so the txt2img example runs as a user's first run would.
  await makeTinySd15({ modelsDir: path.join(dataDir, 'models') });
  const examplesDir = path.join(dataDir, 'examples');
  await cp(path.join(ROOT, 'workflows'), examplesDir, { recursive: true });
  await copyFile(
    path.join(FIXTURES, 'progress-preview.json'),
    path.join(examplesDir, 'progress-preview.json'),
  );

  const registry = createBuiltinRegistry();
  registry.register(await createBrowserTestPack(EXAMPLE_IMAGE), { pack: 'browser-test' });
  const statics = await serveStatic(EDITOR_DIST);
  let server: RunningServer;
  try {
    server = await startServer({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      examplesDir,
      registry,
      corsOrigins: [statics.origin],
    });
  } catch (err) {
    statics.server.close();
    throw err;
  }
  const sameOrigin = await servesEditor(server.url);
  if (sameOrigin) statics.server.close();
  return {
    editorUrl: sameOrigin ? `${server.url}/` : `${statics.origin}/?server=${encodeURIComponent(server.url)}`,
    apiUrl: server.url,
    dataDir,
    async close() {
      await server.close();
      if (!sameOrigin) await new Promise((resolve) => statics.server.close(resolve));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
