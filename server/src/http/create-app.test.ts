import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SILENT_LOGGER } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPromptQueue, createPromptWorker, type PromptWorker } from '../queue';
import { createRuntime, type Runtime } from '../runtime';
import { openPromptStore, type PromptStore } from '../store';
import { createClientHub } from '../ws';
import { createApp } from './create-app';
import { buildOpenApiDocument, openApiPath } from './openapi/openapi-document';
import { OPERATIONS } from './openapi/operations';
import { EDITOR_PATHS } from './routes/editor-routes';
import { allowedHosts, ownOrigins } from './security/origin-policy';

const ADDRESS = { host: '127.0.0.1', port: 8188 };
const HOST = { host: '127.0.0.1:8188' };

describe(createApp.name, () => {
  let dir: string;
  let runtime: Runtime;
  let store: PromptStore;
  let worker: PromptWorker;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-app-'));
    runtime = await createRuntime({ root: dir, log: SILENT_LOGGER });
    store = openPromptStore({ file: path.join(dir, 'db.sqlite') });
    const queue = createPromptQueue({ store });
    worker = createPromptWorker({
      queue,
      executor: runtime.executor,
      log: SILENT_LOGGER,
      prepare: async () => {
        throw new Error('the worker is not started in this test');
      },
      hooks: { onEvent: () => {}, onSettled: () => {} },
    });
    app = createApp({
      registry: runtime.registry,
      packs: runtime.packs,
      env: runtime.env,
      dirs: runtime.env.dirs,
      queue,
      store,
      worker,
      hub: createClientHub({ previewBufferBytes: 1 << 20, maxBufferBytes: 1 << 26 }),
      workflowsDir: path.join(dir, 'user', 'workflows'),
      examplesDir: path.join(dir, 'examples'),
      editorDir: path.join(dir, 'editor-not-built'),
      security: {
        corsOrigins: [],
        ownOrigins: () => ownOrigins(ADDRESS),
        allowedHosts: () => allowedHosts(ADDRESS),
      },
      limits: { maxJsonBytes: 1 << 20, maxUploadBytes: 1 << 20, maxImagePixels: 1e6 },
      log: SILENT_LOGGER,
      version: '0.0.0-test',
      startedAt: Date.now(),
    });
  });
  afterAll(async () => {
    await worker.stop();
    store.close();
    await runtime.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('documents exactly the routes it serves, each with and without /api, the editor’s files aside', () => {
    // The editor's files are a web app's pages and bundles, not API operations: the OpenAPI document
    // describes what clients call, and a client never calls /index.html.
    const editorPaths: readonly string[] = EDITOR_PATHS;
    const served = (app as { routes: { method: string; path: string }[] } & typeof app).routes
      .filter((r) => ['GET', 'POST', 'PUT', 'DELETE'].includes(r.method) && !r.path.includes('*'))
      .filter((r) => !editorPaths.includes(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path}`);
    const unprefixed = (route: string) => route.replace(' /api/', ' /');
    const [withApi, without] = [
      served.filter((r) => r.includes(' /api/')),
      served.filter((r) => !r.includes(' /api/')),
    ];
    expect(withApi.map(unprefixed).sort()).toEqual([...without].sort());
    const documented = OPERATIONS.map((op) => `${op.method} ${op.path}`);
    expect([...new Set(without)].sort()).toEqual(documented.map(unprefixed).sort());
    const doc = buildOpenApiDocument({ version: '1' });
    for (const op of OPERATIONS) {
      expect(doc.paths[openApiPath(op.path)]?.[op.method], `${op.method} ${op.path}`).toBeDefined();
    }
  });

  it('answers without a socket, and enqueues a valid prompt', async () => {
    const res = await app.request('/api/prompt', {
      method: 'POST',
      headers: { ...HOST, 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: { '1': { class_type: 'PrimitiveInt', inputs: { value: 3 } } },
        client_id: 'x',
      }),
    });
    // Primitives are not output nodes: validation explains that nothing would run.
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { type: string; details: { issues: { type: string }[] } } };
    expect(body.error.type).toBe('invalid_prompt');
    expect(body.error.details.issues.map((i) => i.type)).toEqual(['no_output_node']);
    const queue = await app.request('/api/queue', { headers: HOST });
    expect(await queue.json()).toEqual({ queue_running: [], queue_pending: [] });
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'reports the problems of a node with id %s under that id (issue 17: was a 500)',
    async (id) => {
      // The body as text: `__proto__` must arrive as a key, the way a client's JSON sends it.
      const body = `{"prompt": {"${id}": {"class_type": "PrimitiveInt", "inputs": {"value": "seven"}}, "out": {"class_type": "PreviewImage", "inputs": {"images": ["${id}", 0]}}}}`;
      const res = await app.request('/api/prompt', {
        method: 'POST',
        headers: { ...HOST, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(400);
      const text = await res.text();
      const parsed = JSON.parse(text) as { node_errors: Record<string, { errors: { type: string }[] }> };
      expect(Object.keys(parsed.node_errors).sort()).toEqual([id, 'out'].sort());
      expect(Object.getOwnPropertyDescriptor(parsed.node_errors, id)?.value.errors[0].type).toBe(
        'wrong_value_kind',
      );
    },
  );

  it('refuses a cross-origin text/plain POST to /prompt (a CSRF form), and reads JSON whatever the type otherwise', async () => {
    const prompt = JSON.stringify({ prompt: { '1': { class_type: 'PrimitiveInt', inputs: { value: 3 } } } });
    const forged = await app.request('/prompt', {
      method: 'POST',
      headers: { ...HOST, 'content-type': 'text/plain', origin: 'http://evil.example' },
      body: prompt,
    });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { type: string } }).error.type).toBe('forbidden_origin');
    // Python's urllib labels the body urlencoded: it is read as JSON and validated (here: no output node).
    const script = await app.request('/prompt', {
      method: 'POST',
      headers: { ...HOST, 'content-type': 'application/x-www-form-urlencoded' },
      body: prompt,
    });
    expect(script.status).toBe(400);
    const body = (await script.json()) as { error: { details: { issues: { type: string }[] } } };
    expect(body.error.details.issues.map((i) => i.type)).toEqual(['no_output_node']);
    const queue = await app.request('/queue', { headers: HOST });
    expect(await queue.json()).toEqual({ queue_running: [], queue_pending: [] });
  });

  it.each(['/history/no-such-prompt', '/api/history/..%2F..%2Fetc', '/history/__proto__'])(
    'answers GET %s with {} as ComfyUI does',
    async (url) => {
      const res = await app.request(url, { headers: HOST });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    },
  );

  it('refuses requests addressed to another host name', async () => {
    const res = await app.request('/api/queue', { headers: { host: 'attacker.example:8188' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('forbidden_host');
  });

  it('explains how to build the editor when it is not built, and keeps serving the API', async () => {
    const res = await app.request('/', { headers: HOST });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('pnpm --filter @momaflow/editor build');
    expect((await app.request('/api/queue', { headers: HOST })).status).toBe(200);
  });

  it('answers unknown endpoints and missing files with JSON 404s and safe headers', async () => {
    for (const url of ['/api/view?filename=x.png', '/api/nothing-here', '/assets/index.js', '/favicon.ico']) {
      const res = await app.request(url, { headers: HOST });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe('not_found');
    }
  });
});
