/**
 * The file and library endpoints end to end: uploads (naming, dedupe, overwrite, masks) become
 * LoadImage options and are served by /api/view; the workflow library, examples, model folders,
 * system stats, the OpenAPI document, CORS and the token in the query.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorType, request } from './support/http';
import { encodePng } from './support/png';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient } from './support/ws-client';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function form(fields: Record<string, string | { bytes: Uint8Array; name: string }>): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') data.set(key, value);
    else data.set(key, new Blob([value.bytes], { type: 'image/png' }), value.name);
  }
  return data;
}

describe('files, library and system endpoints', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('uploads images with ComfyUI naming and serves them back', async () => {
    const red = encodePng(8, 8, [255, 0, 0, 255]);
    const blue = encodePng(8, 8, [0, 0, 255, 255]);
    const up = (fields: Parameters<typeof form>[0]) =>
      request(t.url, '/api/upload/image', { method: 'POST', body: form(fields) });
    expect((await up({ image: { bytes: red, name: 'photo.png' } })).body).toEqual({
      name: 'photo.png',
      subfolder: '',
      type: 'input',
    });
    expect((await up({ image: { bytes: red, name: 'photo.png' } })).body).toMatchObject({
      name: 'photo.png',
    });
    expect((await up({ image: { bytes: blue, name: 'photo.png' } })).body).toMatchObject({
      name: 'photo (1).png',
    });
    expect((await up({ image: { bytes: blue, name: 'photo.png' }, overwrite: 'true' })).body).toMatchObject({
      name: 'photo.png',
    });
    expect((await up({ image: { bytes: red, name: 'renamed.jpg' }, subfolder: 'sub/dir' })).body).toEqual({
      name: 'renamed.png',
      subfolder: 'sub/dir',
      type: 'input',
    });

    const served = await fetch(new URL('/api/view?type=input&filename=photo.png', t.url));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(Buffer.from(blue))).toBe(true);
    const nested = await fetch(new URL('/api/view?type=input&subfolder=sub/dir&filename=renamed.png', t.url));
    expect(nested.status).toBe(200);

    const info = await request(t.url, '/api/object_info/LoadImage');
    const options = (info.body as { LoadImage: { input: { required: { image: [string[]] } } } }).LoadImage
      .input.required.image[0];
    expect(options).toEqual(expect.arrayContaining(['photo.png', 'photo (1).png']));
  });

  it('applies an uploaded mask to an image', async () => {
    await request(t.url, '/api/upload/image', {
      method: 'POST',
      body: form({ image: { bytes: encodePng(6, 4, [10, 20, 30, 255]), name: 'base.png' } }),
    });
    const res = await request(t.url, '/api/upload/mask', {
      method: 'POST',
      body: form({
        image: { bytes: encodePng(3, 2, [0, 0, 0, 0]), name: 'clipspace-mask.png' },
        original_ref: JSON.stringify({ filename: 'base.png', type: 'input' }),
      }),
    });
    expect(res).toMatchObject({ status: 200, body: { name: 'clipspace-mask.png', type: 'input' } });
    const alpha = await fetch(new URL('/api/view?type=input&filename=clipspace-mask.png&channel=a', t.url));
    expect(alpha.status).toBe(200);
    expect(alpha.headers.get('content-type')).toBe('image/png');
  });

  it('keeps a workflow library', async () => {
    const workflow = JSON.parse(await readFile(path.join(REPO, 'workflows', 'image-basics.json'), 'utf8'));
    const put = (name: string, query = '') =>
      request(t.url, `/api/userdata/workflows/${encodeURIComponent(name)}${query}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(workflow),
      });
    expect(await put('My flow')).toMatchObject({ status: 201, body: { name: 'My flow.json' } });
    expect((await put('My flow')).status).toBe(200);
    const refused = await put('My flow', '?overwrite=false');
    expect([refused.status, errorType(refused.body)]).toEqual([409, 'conflict']);
    const list = await request(t.url, '/api/userdata/workflows');
    expect(list.body).toEqual([expect.objectContaining({ name: 'My flow.json' })]);
    // Saved as sent, plus each node's provenance (the pack its type came from).
    const saved = (await request(t.url, '/api/userdata/workflows/My%20flow.json')).body as typeof workflow;
    expect(saved).toEqual({
      ...workflow,
      nodes: Object.fromEntries(
        Object.entries(workflow.nodes as Record<string, object>).map(([id, node]) => [
          id,
          { ...node, pack: { id: 'core', version: ENGINE_VERSION } },
        ]),
      ),
    });
    expect((await request(t.url, '/api/userdata/workflows/My%20flow', { method: 'DELETE' })).status).toBe(
      200,
    );
    expect((await request(t.url, '/api/userdata/workflows/My%20flow')).status).toBe(404);
  });

  it('lists the example workflows, model folders and system stats', async () => {
    const examples = await request(t.url, '/api/workflows/examples');
    expect(examples.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'image-basics', title: 'Image basics' })]),
    );
    const example = await request(t.url, '/api/workflows/examples/image-basics');
    expect(example.body).toMatchObject({ format: 'momaflow.workflow' });

    const models = path.join(t.dataDir, 'models');
    await mkdir(path.join(models, 'checkpoints', 'sub'), { recursive: true });
    await mkdir(path.join(models, 'segment'), { recursive: true });
    await mkdir(path.join(models, 'embeddings'), { recursive: true });
    await writeFile(path.join(models, 'checkpoints', 'tiny.safetensors'), 'x');
    await writeFile(path.join(models, 'checkpoints', 'sub', 'b.ckpt'), 'x');
    await writeFile(path.join(models, 'checkpoints', 'sub', 'b.onnx'), 'x');
    await writeFile(path.join(models, 'checkpoints', 'README.md'), 'x');
    await writeFile(path.join(models, 'segment', 'isnet.onnx'), 'x');
    await writeFile(path.join(models, 'segment', 'LICENSE'), 'x');
    await writeFile(path.join(models, 'embeddings', 'easynegative.safetensors'), 'x');
    // ComfyUI's folder names, and a folder of momaflow's own.
    const folders = (await request(t.url, '/models')).body;
    expect(folders).toEqual(expect.arrayContaining(['checkpoints', 'loras', 'vae', 'embeddings', 'segment']));
    // Only model files: what the loader offers in checkpoints, model extensions elsewhere.
    expect((await request(t.url, '/api/models/checkpoints')).body).toEqual([
      'sub/b.ckpt',
      'tiny.safetensors',
    ]);
    expect((await request(t.url, '/models/segment')).body).toEqual(['isnet.onnx']);
    expect((await request(t.url, '/models/loras')).body).toEqual([]);
    expect((await request(t.url, '/embeddings')).body).toEqual(['easynegative']);
    expect((await request(t.url, '/extensions')).body).toEqual([]);

    const stats = await request(t.url, '/api/system_stats');
    expect(stats.body).toMatchObject({
      system: { node_version: process.version },
      devices: [{ type: 'cpu' }],
    });
    expect(JSON.stringify(stats.body)).not.toContain('argv');
  });

  it('serves an OpenAPI document that lists the endpoints', async () => {
    const doc = (await request(t.url, '/api/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const [p, method] of [
      ['/api/prompt', 'post'],
      ['/api/history/{prompt_id}', 'get'],
      ['/api/view', 'get'],
      ['/api/upload/image', 'post'],
      ['/ws', 'get'],
    ] as const) {
      expect(doc.paths[p]?.[method], `${method} ${p}`).toBeDefined();
    }
  });
});

describe('CORS and tokens', () => {
  let t: TestServer;
  const editor = 'http://editor.localhost:5173';
  beforeAll(async () => {
    t = await startTestServer({ authToken: 'cors-test-token', corsOrigins: [editor] });
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('allows a configured origin, answers its preflight without a token, and refuses others', async () => {
    const preflight = await fetch(new URL('/api/prompt', t.url), {
      method: 'OPTIONS',
      headers: {
        origin: editor,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(editor);
    const allowed = await request(t.url, '/api/queue', {
      headers: { origin: editor, authorization: 'Bearer cors-test-token' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(editor);
    const other = await request(t.url, '/api/queue', {
      headers: { origin: 'http://other.localhost:5173', authorization: 'Bearer cors-test-token' },
    });
    expect([other.status, errorType(other.body)]).toEqual([403, 'forbidden_origin']);
  });

  it('accepts the token in the query where headers cannot be set', async () => {
    expect((await request(t.url, '/api/queue?token=cors-test-token')).status).toBe(200);
    const client = await connectClient(t.url, { token: 'cors-test-token', origin: editor });
    await client.waitFor((m) => m.type === 'status');
    await client.close();
    await expect(connectClient(t.url, { origin: editor })).rejects.toThrow(/401/);
  });
});
