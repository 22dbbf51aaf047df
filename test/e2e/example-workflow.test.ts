/**
 * Acceptance: the example workflow `workflows/image-basics.json` queued over HTTP runs with the full,
 * ordered event stream over WebSocket; its output is served by `/api/view` (with the prompt and
 * workflow embedded) and recorded in history.
 */
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPngText } from '@momaflow/nodes';
import type { WireMessage } from '@momaflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt, request } from './support/http';
import { startTestServer, type TestServer } from './support/test-server';
import { connectClient } from './support/ws-client';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];

type FileRef = { filename: string; subfolder: string; type: string };

function executedImages(messages: readonly WireMessage[], node: string): FileRef[] {
  const executed = messages.find((m) => m.type === 'executed' && m.data.node === node);
  return executed?.type === 'executed' ? ((executed.data.output.images ?? []) as FileRef[]) : [];
}

describe('the example workflow over HTTP and WebSocket', () => {
  let t: TestServer;
  let workflow: {
    name: string;
    nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }>;
  };
  beforeAll(async () => {
    workflow = JSON.parse(await readFile(path.join(REPO, 'workflows', 'image-basics.json'), 'utf8'));
    t = await startTestServer();
    await copyFile(path.join(REPO, 'input', 'example.png'), path.join(t.dataDir, 'input', 'example.png'));
  });
  afterAll(async () => {
    await t.dispose();
  });

  it('queues it, streams every event in order, serves the output and records it in history', async () => {
    const client = await connectClient(t.url, { clientId: 'example-client' });
    const id = await queuePrompt(t.url, { prompt: workflow, client_id: 'example-client' });
    await client.waitForPromptDone(id, 30_000);
    const messages = client.promptMessages(id);
    const types = messages.map((m) => m.type);

    expect(types.slice(0, 2)).toEqual(['execution_start', 'execution_cached']);
    expect(types.slice(-2)).toEqual(['execution_success', 'executing']);
    expect(types.filter((type) => type === 'execution_error' || type === 'execution_interrupted')).toEqual(
      [],
    );
    expect(new Set(types)).toEqual(
      new Set([
        'execution_start',
        'execution_cached',
        'executing',
        'executed',
        'execution_success',
        ...(types.includes('progress') ? ['progress'] : []),
      ]),
    );

    // Every node executes exactly once, after the nodes it reads from.
    const order = messages.flatMap((m) =>
      m.type === 'executing' && m.data.node !== null ? [m.data.node] : [],
    );
    const nodeIds = Object.keys(workflow.nodes);
    expect([...order].sort()).toEqual([...nodeIds].sort());
    for (const [nodeId, node] of Object.entries(workflow.nodes)) {
      for (const value of Object.values(node.inputs)) {
        if (Array.isArray(value) && typeof value[0] === 'string') {
          expect(order.indexOf(value[0]), `${value[0]} runs before ${nodeId}`).toBeLessThan(
            order.indexOf(nodeId),
          );
        }
      }
    }
    // Each save node reports its file after it started executing and before success.
    const saveNodes = nodeIds.filter((n) => workflow.nodes[n]?.class_type === 'SaveImage');
    expect(saveNodes.length).toBeGreaterThan(0);
    for (const node of saveNodes) {
      const at = messages.findIndex((m) => m.type === 'executed' && m.data.node === node);
      const started = messages.findIndex((m) => m.type === 'executing' && m.data.node === node);
      expect(started).toBeGreaterThanOrEqual(0);
      expect(at).toBeGreaterThan(started);
      expect(at).toBeLessThan(types.indexOf('execution_success'));
    }

    // The output is served by /api/view, with the submitted prompt and workflow embedded.
    const [image] = executedImages(messages, saveNodes[0]!);
    expect(image).toMatchObject({ type: 'output', filename: expect.stringMatching(/\.png$/) });
    const view = `/api/view?${new URLSearchParams({ filename: image!.filename, subfolder: image!.subfolder, type: image!.type })}`;
    const res = await fetch(new URL(view, t.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.subarray(0, 4)]).toEqual(PNG_MAGIC);
    const text = readPngText(bytes);
    expect(JSON.parse(text.workflow ?? 'null')).toMatchObject({
      format: 'momaflow.workflow',
      name: workflow.name,
    });
    expect(Object.keys(JSON.parse(text.prompt ?? '{}')).sort()).toEqual([...nodeIds].sort());

    const preview = await fetch(new URL(`${view}&preview=webp;80;64`, t.url));
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(
      Buffer.from(await preview.arrayBuffer())
        .subarray(0, 4)
        .toString('latin1'),
    ).toBe('RIFF');

    // History has it, with the same outputs the events reported.
    const history = await request(t.url, `/api/history/${id}`);
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({
      [id]: {
        status: { status_str: 'success', completed: true },
        outputs: { [saveNodes[0]!]: { images: [image] } },
      },
    });
    const listed = await request(t.url, '/api/history?max_items=10');
    expect(Object.keys(listed.body as object)).toContain(id);
    await client.close();
  });

  it('runs it again from the cache: nothing executes, the outputs are reported again', async () => {
    const client = await connectClient(t.url, { clientId: 'example-client-2' });
    const id = await queuePrompt(t.url, { prompt: workflow, client_id: 'example-client-2' });
    await client.waitForPromptDone(id, 30_000);
    const messages = client.promptMessages(id);
    const cached = messages.find((m) => m.type === 'execution_cached');
    // Every node has a cached result, and ComfyUI lists them all.
    expect(cached?.type === 'execution_cached' && [...cached.data.nodes].sort()).toEqual(
      Object.keys(workflow.nodes).sort(),
    );
    expect(messages.filter((m) => m.type === 'executing' && m.data.node !== null)).toEqual([]);
    expect(messages.at(-2)?.type).toBe('execution_success');
    await client.close();
  });
});
