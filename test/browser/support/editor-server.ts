/**
 * @module
 * The real momaflow server on a loopback port with a fresh data folder (the repository's example
 * input image copied in, the tiny default checkpoint made), the built-in nodes plus the browser test
 * pack, and the freshly built editor, which the server serves itself at `/` (same origin, as users
 * get it from `momaflow serve`).
 */
import { execFileSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBuiltinRegistry, makeTinySd15 } from '@momaflow/nodes';
import { startServer } from '@momaflow/server';
import { main } from '../../../server/src/cli/main';
import { memoryIo } from '../../../server/src/cli/memory-io';
import { createBrowserTestPack } from './browser-test-pack';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const EDITOR_DIST = path.join(ROOT, 'editor', 'dist');
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const EXAMPLE_IMAGE = path.join(ROOT, 'input', 'example.png');

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

/**
 * @example
 * const server = await startEditorServer();
 * await page.goto(server.editorUrl);
 */
export async function startEditorServer(
  options: {
    readonly authToken?: string;
    /** Node pack folders installed into the data folder first, as `momaflow nodes add` does. */
    readonly packs?: readonly string[];
  } = {},
): Promise<EditorServer> {
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

  for (const pack of options.packs ?? []) {
    const { io, err } = memoryIo();
    if ((await main(['nodes', 'add', pack, '--data', dataDir], io)) !== 0)
      throw new Error(`nodes add ${pack}: ${err()}`);
  }
  const registry = createBuiltinRegistry();
  registry.register(await createBrowserTestPack(EXAMPLE_IMAGE), { pack: 'browser-test' });
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    examplesDir,
    editorDir: EDITOR_DIST,
    registry,
    ...(options.authToken === undefined ? {} : { authToken: options.authToken }),
  }).catch(async (err: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    editorUrl: `${server.url}/`,
    apiUrl: server.url,
    dataDir,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
