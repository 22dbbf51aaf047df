/**
 * @module
 * The built editor (Vite's `editor/dist`) at `/`: `index.html` revalidated on every load (it names
 * the current content-hashed bundles) under a strict Content-Security-Policy, and `/assets/*` cached
 * for a year (a new build writes new names). Files are confined to the folder with the same checks as
 * every other served file, and read per request, so a rebuild shows up on reload. A missing build is
 * answered with a page that says how to make it.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { type Context, Hono } from 'hono';
import { ApiError } from '../api-error';
import type { AppDeps, AppEnv } from '../app-env';
import { webAppMediaTypeOf } from '../files/media-types';
import { resolveExistingFile } from '../files/safe-path';

const INDEX_FILE = 'index.html';
const ASSETS_FOLDER = 'assets';

/** Where the editor is served: a web app's files, not API operations (so not in the OpenAPI document). */
export const EDITOR_PATHS = ['/', `/${INDEX_FILE}`, `/${ASSETS_FOLDER}/*`] as const;

/**
 * Only the editor's own scripts run; inline styles are allowed because React Flow positions nodes
 * with style attributes; images may be blob: (live previews) or data: URLs; the event stream needs
 * ws:/wss:; no other site may frame the page (clickjacking the Queue button).
 */
export const EDITOR_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
].join('; ');

/** The build command, as the editor's README gives it. */
export const EDITOR_BUILD_COMMAND = 'pnpm --filter @momaflow/editor build';

const INDEX_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': EDITOR_CSP,
};
/** Vite names every asset by a hash of its content, so a cached copy never goes stale. */
const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>momaflow: the editor is not built</title></head>
  <body>
    <h1>The momaflow editor is not built</h1>
    <p>Run <code>${EDITOR_BUILD_COMMAND}</code> in the repository, then reload this page.</p>
    <p>The HTTP API is available meanwhile under <a href="api/openapi.json">/api</a>.</p>
  </body>
</html>
`;
const NOT_BUILT_HEADERS = {
  'Cache-Control': 'no-store',
  // The page is static text: nothing on it may load or run.
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

async function serveIndex(c: Context<AppEnv>, editorDir: string): Promise<Response> {
  let file: string;
  try {
    file = await resolveExistingFile(editorDir, '', INDEX_FILE);
  } catch (err) {
    if (err instanceof ApiError && err.type === 'not_found')
      return c.html(NOT_BUILT_PAGE, 503, NOT_BUILT_HEADERS);
    throw err;
  }
  return c.body(new Uint8Array(await readFile(file)), 200, INDEX_HEADERS);
}

async function serveAsset(c: Context<AppEnv>, editorDir: string): Promise<Response> {
  // The path below /assets/, as segments: each one is checked by resolveExistingFile.
  const segments = c.req.path.slice(`/${ASSETS_FOLDER}/`.length).split('/');
  const name = segments.pop() ?? '';
  const file = await resolveExistingFile(editorDir, [ASSETS_FOLDER, ...segments].join('/'), name);
  const { size } = await stat(file);
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
  return c.body(body, 200, {
    'Content-Type': webAppMediaTypeOf(name),
    'Content-Length': String(size),
    'Cache-Control': ASSET_CACHE_CONTROL,
  });
}

/**
 * @example
 * app.route('/', createEditorRoutes({ editorDir: '/srv/momaflow/editor/dist' }));
 */
export function createEditorRoutes(deps: Pick<AppDeps, 'editorDir'>): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/', (c) => serveIndex(c, deps.editorDir))
    .get(`/${INDEX_FILE}`, (c) => serveIndex(c, deps.editorDir))
    .get(`/${ASSETS_FOLDER}/*`, (c) => serveAsset(c, deps.editorDir));
}
