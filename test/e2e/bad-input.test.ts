/**
 * Malformed, hostile and unauthorised requests, one row each: every one gets the right 4xx and error
 * type as JSON (never a stack trace, never a 500), and the server keeps serving afterwards.
 * Over 400 lines because it is one table, a row per request, which reads best in one place.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from './support/png';
import { multipart, type RawRequest, rawRequest, UPGRADE_HEADERS } from './support/raw-http';
import { sleepPrompt } from './support/test-pack';
import { startTestServer, type TestServer } from './support/test-server';

const TOKEN = 'e2e-secret-token';
const MAX_JSON = 256 * 1024;
const MAX_UPLOAD = 512 * 1024;

interface Case {
  readonly name: string;
  readonly req: RawRequest;
  readonly status: number;
  /** Expected `error.type`; undefined for refused WebSocket handshakes (no body). */
  readonly type?: string;
  /** Send without the auth token. */
  readonly anonymous?: boolean;
}

const json = (path: string, body: unknown, method = 'POST'): RawRequest => ({
  method,
  path,
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const prompt = (graph: unknown, extra: Record<string, unknown> = {}) =>
  json('/api/prompt', { prompt: graph, ...extra });
const show = (from: string) => ({ class_type: 'TestShow', inputs: { value: [from, 0] } });
const upload = (fields: Parameters<typeof multipart>[0], route = '/api/upload/image'): RawRequest => {
  const { body, contentType } = multipart(fields);
  return { method: 'POST', path: route, headers: { 'content-type': contentType }, body };
};
const PNG = encodePng(4, 4, [0, 128, 255, 255]);
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

function cases(port: number): Case[] {
  const self = `http://127.0.0.1:${port}`;
  return [
    // The request gate.
    {
      name: 'missing token',
      anonymous: true,
      req: { path: '/api/object_info' },
      status: 401,
      type: 'unauthorized',
    },
    {
      name: 'wrong token',
      anonymous: true,
      req: { path: '/api/queue', headers: { authorization: 'Bearer nope-nope-nope' } },
      status: 401,
      type: 'unauthorized',
    },
    {
      name: 'token in the wrong scheme',
      anonymous: true,
      req: { path: '/api/queue', headers: { authorization: `Basic ${TOKEN}` } },
      status: 401,
      type: 'unauthorized',
    },
    {
      name: 'wrong token in the query',
      anonymous: true,
      req: { path: '/api/queue?token=guess' },
      status: 401,
      type: 'unauthorized',
    },
    {
      name: 'cross-site Origin',
      req: {
        ...prompt(sleepPrompt({ ms: 0, tag: 'x' })),
        headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      },
      status: 403,
      type: 'forbidden_origin',
    },
    {
      name: "Origin 'null' (sandboxed page)",
      req: { path: '/api/queue', headers: { origin: 'null' } },
      status: 403,
      type: 'forbidden_origin',
    },
    {
      name: 'Origin of another local port',
      req: { path: '/api/queue', headers: { origin: 'http://127.0.0.1:1' } },
      status: 403,
      type: 'forbidden_origin',
    },
    {
      name: 'DNS-rebinding Host header',
      req: { path: '/api/queue', headers: { host: `evil.example:${port}` } },
      status: 403,
      type: 'forbidden_host',
    },
    {
      name: 'WebSocket upgrade from another origin',
      req: { path: '/ws?clientId=a', headers: { ...UPGRADE_HEADERS, origin: 'http://evil.example' } },
      status: 403,
    },
    {
      name: 'WebSocket upgrade without token',
      anonymous: true,
      req: { path: '/ws?clientId=a', headers: { ...UPGRADE_HEADERS, origin: self } },
      status: 401,
    },
    {
      name: 'WebSocket client id with markup',
      req: { path: '/ws?clientId=%3Cscript%3E', headers: { ...UPGRADE_HEADERS } },
      status: 400,
    },
    {
      name: 'plain GET on the WebSocket endpoint',
      req: { path: '/ws' },
      status: 426,
      type: 'upgrade_required',
    },
    // POST /api/prompt: bodies and types.
    { name: 'malformed JSON', req: json('/api/prompt', '{"prompt": {'), status: 400, type: 'invalid_json' },
    { name: 'empty body', req: json('/api/prompt', ''), status: 400, type: 'invalid_json' },
    {
      name: 'text/plain body (read as JSON, as ComfyUI does)',
      req: { method: 'POST', path: '/api/prompt', headers: { 'content-type': 'text/plain' }, body: '{}' },
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'cross-site text/plain POST (no preflight in a browser)',
      req: {
        method: 'POST',
        path: '/prompt',
        headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
        body: JSON.stringify({ prompt: sleepPrompt({ ms: 0, tag: 'csrf' }) }),
      },
      status: 403,
      type: 'forbidden_origin',
    },
    { name: 'array instead of object', req: json('/api/prompt', []), status: 400, type: 'invalid_request' },
    {
      name: 'prompt is a string',
      req: json('/api/prompt', { prompt: 'run everything' }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'client_id is a number',
      req: prompt(sleepPrompt({ ms: 0, tag: 'x' }), { client_id: 5 }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'front is a string',
      req: prompt(sleepPrompt({ ms: 0, tag: 'x' }), { front: 'yes' }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'client_id with markup',
      req: prompt(sleepPrompt({ ms: 0, tag: 'x' }), { client_id: '<img src=x>' }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'prompt_id with a path',
      req: prompt(sleepPrompt({ ms: 0, tag: 'x' }), { prompt_id: '../../etc' }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'duplicate prompt_id',
      req: prompt(sleepPrompt({ ms: 0, tag: 'dup' }), { prompt_id: 'dup-id' }),
      status: 409,
      type: 'conflict',
    },
    {
      name: 'unknown node type',
      req: prompt({ '1': { class_type: 'NoSuchNode', inputs: {} }, '2': show('1') }),
      status: 400,
      type: 'invalid_prompt',
    },
    { name: 'link to a missing node', req: prompt({ '2': show('9') }), status: 400, type: 'invalid_prompt' },
    {
      name: 'widget out of range',
      req: prompt({
        ...sleepPrompt({ ms: 0, tag: 'x' }),
        '2': { class_type: 'TestSleep', inputs: { value: ['1', 0], ms: -5 } },
      }),
      status: 400,
      type: 'invalid_prompt',
    },
    {
      name: 'string where an INT is expected',
      req: prompt({ '1': { class_type: 'TestNumber', inputs: { value: 'seven' } }, '2': show('1') }),
      status: 400,
      type: 'invalid_prompt',
    },
    {
      name: 'a cycle',
      req: prompt({
        '1': { class_type: 'TestSleep', inputs: { value: ['2', 0] } },
        '2': { class_type: 'TestSleep', inputs: { value: ['1', 0] } },
        '3': show('2'),
      }),
      status: 400,
      type: 'invalid_prompt',
    },
    { name: 'empty prompt', req: prompt({}), status: 400, type: 'invalid_prompt' },
    {
      name: 'node entry is a number',
      req: prompt({ '1': 5, '2': show('1') }),
      status: 400,
      type: 'invalid_prompt',
    },
    {
      name: 'saved workflow of an unknown version',
      req: prompt({ format: 'momaflow.workflow', version: 99, nodes: {} }),
      status: 400,
      type: 'invalid_prompt',
    },
    {
      name: 'deeply nested input value',
      req: json(
        '/api/prompt',
        `{"prompt":{"1":{"class_type":"TestNumber","inputs":{"value":${deep(20_000)}}},"2":${JSON.stringify(show('1'))}}}`,
      ),
      status: 400,
      type: 'invalid_json',
    },
    {
      name: 'body over the JSON limit (Content-Length)',
      req: json('/api/prompt', { prompt: { pad: 'x'.repeat(MAX_JSON) } }),
      status: 413,
      type: 'payload_too_large',
    },
    {
      name: 'body over the JSON limit (chunked)',
      req: { ...json('/api/prompt', { prompt: { pad: 'x'.repeat(MAX_JSON) } }), chunked: true },
      status: 413,
      type: 'payload_too_large',
    },
    // Queue, history, interrupt.
    {
      name: 'queue change with neither clear nor delete',
      req: json('/api/queue', {}),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'queue delete is a string',
      req: json('/api/queue', { delete: 'all' }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'queue change with an unknown field',
      req: json('/api/queue', { clear: true, drop: 1 }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'history page size not a number',
      req: { path: '/api/history?max_items=abc' },
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'history negative page size',
      req: { path: '/api/history?max_items=-1' },
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'history id with a path',
      req: { method: 'DELETE', path: '/api/history/..%2F..%2Fetc' },
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'unknown history id',
      req: { method: 'DELETE', path: '/api/history/no-such-prompt' },
      status: 404,
      type: 'not_found',
    },
    {
      name: 're-queue an unknown prompt',
      req: { method: 'POST', path: '/api/history/no-such-prompt/requeue' },
      status: 404,
      type: 'not_found',
    },
    {
      name: 'interrupt with a numeric id',
      req: json('/api/interrupt', { prompt_id: 5 }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'interrupt with a text body',
      req: {
        method: 'POST',
        path: '/api/interrupt',
        headers: { 'content-type': 'text/plain' },
        body: 'stop',
      },
      status: 400,
      type: 'invalid_json',
    },
    // GET /api/view: traversal and bad parameters.
    {
      name: 'view: ../ in the file name',
      req: { path: '/api/view?filename=../../etc/passwd' },
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'view: ../ in the subfolder',
      req: { path: '/api/view?filename=passwd&subfolder=../../../etc' },
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'view: absolute subfolder',
      req: { path: '/api/view?filename=passwd&subfolder=/etc' },
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'view: encoded absolute file name',
      req: { path: '/api/view?filename=%2Fetc%2Fpasswd' },
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'view: backslash traversal',
      req: { path: '/api/view?filename=..%5C..%5Cwin.ini' },
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'view: NUL byte in the name',
      req: { path: '/api/view?filename=a.png%00.txt' },
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'view: symlink to a file outside',
      req: { path: '/api/view?filename=escape.png' },
      status: 403,
      type: 'forbidden_path',
    },
    {
      name: 'view: symlinked subfolder leading outside',
      req: { path: '/api/view?filename=secret.txt&subfolder=linkdir' },
      status: 403,
      type: 'forbidden_path',
    },
    {
      name: 'view: unknown folder type',
      req: { path: '/api/view?filename=a.png&type=models' },
      status: 400,
      type: 'invalid_request',
    },
    { name: 'view: no file name', req: { path: '/api/view' }, status: 400, type: 'invalid_request' },
    {
      name: 'view: missing file',
      req: { path: '/api/view?filename=missing.png' },
      status: 404,
      type: 'not_found',
    },
    {
      name: 'view: preview of a text file',
      req: { path: '/api/view?filename=notes.txt&preview=webp;80' },
      status: 400,
      type: 'invalid_image',
    },
    {
      name: 'view: unknown preview format',
      req: { path: '/api/view?filename=notes.txt&preview=gif' },
      status: 400,
      type: 'invalid_request',
    },
    // Uploads.
    {
      name: 'upload: text file named .png',
      req: upload({ image: { filename: 'fake.png', bytes: Buffer.from('just text') } }),
      status: 415,
      type: 'unsupported_media_type',
    },
    {
      name: 'upload: SVG',
      req: upload({
        image: { filename: 'x.svg', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') },
      }),
      status: 415,
      type: 'unsupported_media_type',
    },
    {
      name: 'upload: truncated PNG',
      req: upload({ image: { filename: 'cut.png', bytes: PNG.subarray(0, 40) } }),
      status: 400,
      type: 'invalid_image',
    },
    {
      name: 'upload: ../ in the file name',
      req: upload({ image: { filename: '../../evil.png', bytes: PNG } }),
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'upload: ../ in the subfolder',
      req: upload({ image: { filename: 'a.png', bytes: PNG }, subfolder: '../..' }),
      status: 400,
      type: 'invalid_path',
    },
    {
      name: 'upload: symlinked subfolder leading outside',
      req: upload({ image: { filename: 'a.png', bytes: PNG }, subfolder: 'linkdir' }),
      status: 403,
      type: 'forbidden_path',
    },
    {
      name: 'upload: unknown folder type',
      req: upload({ image: { filename: 'a.png', bytes: PNG }, type: 'models' }),
      status: 400,
      type: 'invalid_request',
    },
    { name: 'upload: no image field', req: upload({ subfolder: 'x' }), status: 400, type: 'invalid_request' },
    {
      name: 'upload: image field is text',
      req: upload({ image: 'not a file' }),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'upload: JSON instead of multipart',
      req: json('/api/upload/image', { image: 'x' }),
      status: 415,
      type: 'unsupported_media_type',
    },
    {
      name: 'upload: broken multipart',
      req: {
        method: 'POST',
        path: '/api/upload/image',
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--abc\r\ngarbage',
      },
      status: 400,
      type: 'invalid_multipart',
    },
    {
      name: 'upload: over the upload limit',
      req: upload({ image: { filename: 'big.png', bytes: new Uint8Array(MAX_UPLOAD + 1) } }),
      status: 413,
      type: 'payload_too_large',
    },
    {
      name: 'mask: original_ref is not JSON',
      req: upload({ image: { filename: 'm.png', bytes: PNG }, original_ref: '{oops' }, '/api/upload/mask'),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'mask: original_ref escapes the folder',
      req: upload(
        {
          image: { filename: 'm.png', bytes: PNG },
          original_ref: JSON.stringify({ filename: '../secret.png' }),
        },
        '/api/upload/mask',
      ),
      status: 400,
      type: 'invalid_path',
    },
    // Other resources.
    {
      name: 'unknown node type schema',
      req: { path: '/api/object_info/NoSuchNode' },
      status: 404,
      type: 'not_found',
    },
    {
      name: 'model folder with a path',
      req: { path: '/api/models/..%2F..' },
      status: 400,
      type: 'invalid_path',
    },
    { name: 'unknown model folder', req: { path: '/api/models/nope' }, status: 404, type: 'not_found' },
    {
      name: 'workflow name with a path',
      req: json('/api/userdata/workflows/..%2Fevil', { format: 'momaflow.workflow' }, 'PUT'),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'saving something that is not a workflow',
      req: json('/api/userdata/workflows/mine', { hello: 'world' }, 'PUT'),
      status: 400,
      type: 'invalid_workflow',
    },
    {
      name: 'saving an array as a workflow',
      req: json('/api/userdata/workflows/mine', [1, 2], 'PUT'),
      status: 400,
      type: 'invalid_request',
    },
    {
      name: 'missing saved workflow',
      req: { path: '/api/userdata/workflows/missing' },
      status: 404,
      type: 'not_found',
    },
    {
      name: 'example name with a path',
      req: { path: '/api/workflows/examples/..%2F..%2Fpackage' },
      status: 400,
      type: 'invalid_request',
    },
    { name: 'unknown endpoint', req: { path: '/api/nope' }, status: 404, type: 'not_found' },
    { name: 'wrong method', req: { method: 'DELETE', path: '/api/prompt' }, status: 404, type: 'not_found' },
  ];
}

describe('bad input', () => {
  let t: TestServer;
  let outside: string;
  beforeAll(async () => {
    t = await startTestServer({
      authToken: TOKEN,
      limits: { maxJsonBytes: MAX_JSON, maxUploadBytes: MAX_UPLOAD },
    });
    outside = await mkdtemp(path.join(os.tmpdir(), 'momaflow-outside-'));
    await writeFile(path.join(outside, 'secret.txt'), 'secret');
    const output = path.join(t.dataDir, 'output');
    await symlink(path.join(outside, 'secret.txt'), path.join(output, 'escape.png'));
    await symlink(outside, path.join(output, 'linkdir'));
    await symlink(outside, path.join(t.dataDir, 'input', 'linkdir'));
    await writeFile(path.join(output, 'notes.txt'), 'not an image');
    await mkdir(path.join(t.dataDir, 'models'), { recursive: true });
    const dup = await rawRequest(t.server.port, {
      ...prompt(sleepPrompt({ ms: 0, tag: 'dup' }), { prompt_id: 'dup-id' }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    });
    expect(dup.status).toBe(200);
  });
  afterAll(async () => {
    await t.dispose();
    await rm(outside, { recursive: true, force: true });
  });

  it('has at least 40 cases', () => {
    expect(cases(1).length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases(0).map((c, index) => [c.name, index] as const))('%s', async (_name, index) => {
    const c = cases(t.server.port)[index]!;
    const headers = { ...(c.anonymous ? {} : { authorization: `Bearer ${TOKEN}` }), ...c.req.headers };
    const res = await rawRequest(t.server.port, { ...c.req, headers });
    expect(res.upgraded).toBe(false);
    expect(res.status).toBe(c.status);
    if (c.type === undefined) return;
    const body = JSON.parse(res.text) as { error: { type: string; message: string } };
    expect(body.error.type).toBe(c.type);
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(res.text).not.toMatch(/\.ts:\d+|node:internal|\n\s+at /);
  });

  it('keeps serving after all of that', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const stats = await rawRequest(t.server.port, { path: '/api/system_stats', headers: auth });
    expect(stats.status).toBe(200);
    const queued = await rawRequest(t.server.port, {
      ...prompt(sleepPrompt({ ms: 0, tag: 'after' })),
      headers: { 'content-type': 'application/json', ...auth },
    });
    expect(queued.status).toBe(200);
    const upgraded = await rawRequest(t.server.port, {
      path: `/ws?clientId=ok&token=${TOKEN}`,
      headers: { ...UPGRADE_HEADERS, origin: `http://localhost:${t.server.port}` },
    });
    expect(upgraded.upgraded).toBe(true);
  });
});
