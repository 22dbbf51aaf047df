/**
 * Issue 17: a fixed-seed stream of hostile requests against the real server on loopback (mutated
 * workflows in momaflow's and ComfyUI's formats and prompts, prototype-named keys, huge and deep values, junk paths and queries,
 * truncated and mislabelled bodies, random uploads, every method on every route). No answer may be
 * a 5xx or carry a stack trace; afterwards the server still answers and the data folder holds
 * nothing outside its folders. Prints the status histogram.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseWorkflow, promptToWorkflow, workflowToPrompt } from '@momaflow/engine';
import { comfyUiWorkflow } from '@momaflow/engine/testing';
import { createBuiltinRegistry } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FuzzRequest, fuzzRequests } from './support/fuzz-requests';
import { encodePng } from './support/png';
import { rawRequest } from './support/raw-http';
import { sleepPrompt } from './support/test-pack';
import { startTestServer, type TestServer } from './support/test-server';

const SEED = 17;
const COUNT = 2400;
const CONCURRENCY = 6;
const TOKEN = 'fuzz-secret-token';
const WORKFLOWS_DIR = path.resolve(import.meta.dirname, '../../workflows');
/** Where a stack trace shows: V8's frame lines and source positions. */
const STACK_TRACE = /\n\s+at \S|node:internal|\.[cm]?[tj]s:\d+:\d+/;
/** What the data folder may hold at its top level (the database comes with SQLite's side files). */
const DATA_ENTRIES = /^(input|output|temp|models|user|momaflow\.sqlite(-wal|-shm|-journal)?)$/;

async function documents(): Promise<unknown[]> {
  const registry = createBuiltinRegistry();
  const saved = await Promise.all(
    (await readdir(WORKFLOWS_DIR))
      .filter((name) => name.endsWith('.json'))
      .map(async (name) => JSON.parse(await readFile(path.join(WORKFLOWS_DIR, name), 'utf8')) as unknown),
  );
  const prompts = saved.flatMap((doc) => {
    const parsed = parseWorkflow(doc);
    return parsed.ok ? [JSON.parse(JSON.stringify(workflowToPrompt(parsed.value, registry))) as unknown] : [];
  });
  const small = sleepPrompt({ ms: 0, tag: 'fuzz' });
  // A prompt with a problem on every node: renamed nodes then carry their issues under the new id.
  const broken = sleepPrompt({ ms: -1, tag: 'fuzz', value: 2e9 });
  // ComfyUI frontend files of both schemas, with a Reroute and a PrimitiveNode to resolve.
  const comfy = [0.4, 1].map((version) =>
    comfyUiWorkflow(
      {
        nodes: [
          { id: 1, type: 'PrimitiveNode', widgets_values: [3, 'fixed'], outputs: ['INT'] },
          {
            id: 2,
            type: 'TestNumber',
            widgets_values: [1],
            inputs: [{ name: 'value', widget: true }],
            outputs: ['INT'],
          },
          { id: 3, type: 'Reroute', inputs: [{ name: '' }], outputs: ['*'] },
          { id: 4, type: 'TestShow', inputs: [{ name: 'value' }] },
        ],
        links: [
          [1, 1, 0, 2, 0, 'INT'],
          [2, 2, 0, 3, 0, 'INT'],
          [3, 3, 0, 4, 0, 'INT'],
        ],
        reroutes: [{ id: 1, pos: [5, 5], linkIds: [3] }],
      },
      version as 0.4 | 1,
    ),
  );
  return [...saved, ...prompts, small, JSON.parse(JSON.stringify(promptToWorkflow(small))), broken, ...comfy];
}

/** Files and folders under `root`, relative, depth first. */
async function listTree(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (e) => {
      const rel = path.join(prefix, e.name);
      return e.isDirectory() ? [rel, ...(await listTree(root, rel))] : [rel];
    }),
  );
  return nested.flat();
}

describe('HTTP fuzz', () => {
  let parent: string;
  let server: TestServer;
  beforeAll(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'momaflow-fuzz-'));
    const dataDir = path.join(parent, 'data');
    await mkdir(dataDir);
    server = await startTestServer(
      { authToken: TOKEN, limits: { maxJsonBytes: 256 * 1024, maxUploadBytes: 512 * 1024 } },
      dataDir,
    );
  });
  afterAll(async () => {
    await server.dispose();
    await rm(parent, { recursive: true, force: true });
  });

  it(`answers ${COUNT} hostile requests without a 5xx or a stack trace, and stays clean`, async () => {
    const { port } = server.server;
    const auth = { authorization: `Bearer ${TOKEN}` };
    const openapi = await rawRequest(port, { path: '/api/openapi.json', headers: auth });
    const routes = Object.keys((JSON.parse(openapi.text) as { paths: Record<string, unknown> }).paths);
    const requests = fuzzRequests(
      { documents: await documents(), routes, png: encodePng(4, 4, [0, 128, 255, 255]) },
      { seed: SEED, count: COUNT },
    );

    const histogram = new Map<string, number>();
    const failures: string[] = [];
    const send = async (req: FuzzRequest) => {
      const headers = { ...(req.anonymous ? {} : auth), ...req.headers };
      const res = await rawRequest(port, { ...req, headers });
      const key = `${res.status}`;
      histogram.set(key, (histogram.get(key) ?? 0) + 1);
      const what = `${req.kind} ${req.method ?? 'GET'} ${req.path.slice(0, 120)}`;
      if (res.status >= 500 || res.status === 0)
        failures.push(`${res.status} ${what}: ${res.text.slice(0, 300)}`);
      if (STACK_TRACE.test(res.text)) failures.push(`stack trace in ${what}: ${res.text.slice(0, 300)}`);
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) await send(requests[next++]!);
      }),
    );

    const kinds = new Map<string, number>();
    for (const req of requests) kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
    console.log(
      `HTTP fuzz: ${requests.length} requests (seed ${SEED}) by kind ${JSON.stringify(Object.fromEntries(kinds))}; ` +
        `status histogram ${JSON.stringify(Object.fromEntries([...histogram].sort()))}`,
    );
    expect(failures).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(2000);

    // Still serving: a status read and a prompt that runs.
    const stats = await rawRequest(port, { path: '/api/system_stats', headers: auth });
    expect(stats.status).toBe(200);
    await rawRequest(port, {
      method: 'POST',
      path: '/api/queue',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"clear": true}',
    });
    await rawRequest(port, { method: 'POST', path: '/api/interrupt', headers: auth });

    // Nothing written outside the data folder's own folders.
    expect(await readdir(parent)).toEqual(['data']);
    const tree = await listTree(server.dataDir);
    const stray = tree.filter((entry) => {
      const [top, ...rest] = entry.split(path.sep);
      if (!DATA_ENTRIES.test(top!)) return true;
      if (top === 'models') return rest.length > 0;
      if (top === 'user') return rest.length > 0 && rest[0] !== 'workflows';
      return false;
    });
    expect(stray).toEqual([]);
  });
});
