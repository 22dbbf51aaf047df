import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DATABASE_FILE, openPromptStore } from '@momaflow/server';
import { afterEach, describe, expect, it } from 'vitest';
import { errorType, queuePrompt, request } from './support/http';
import { sleepPrompt } from './support/test-pack';
import { startTestServer, type TestServer } from './support/test-server';
import { until } from './support/until';
import { connectClient } from './support/ws-client';

type HistoryEntry = { status: { status_str: string; messages: [string, unknown][] } };

async function history(t: TestServer): Promise<Record<string, HistoryEntry>> {
  return (await request(t.url, '/api/history')).body as Record<string, HistoryEntry>;
}

describe('queue persistence across restarts', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  it('finishes three queued prompts exactly once when the server restarts mid-way', async () => {
    t = await startTestServer();
    const watcher = await connectClient(t.url, { subscribe: 'all' });
    const tags = ['restart-0', 'restart-1', 'restart-2'];
    const ids: string[] = [];
    for (const tag of tags) ids.push(await queuePrompt(t.url, { prompt: sleepPrompt({ ms: 300, tag }) }));
    await watcher.waitFor(
      (m) => m.type === 'executing' && m.data.prompt_id === ids[0] && m.data.node === '2',
    );
    await watcher.close();

    t = await t.restart(); // the first prompt was running, the other two pending
    const queue = (await request(t.url, '/api/queue')).body as {
      queue_pending: unknown[][];
      queue_running: unknown[][];
    };
    expect([...queue.queue_running, ...queue.queue_pending].map((item) => item[1])).toEqual(ids);

    const server = t;
    const done = await until(
      async () => {
        const entries = await history(server);
        return Object.keys(entries).length === 3 ? entries : undefined;
      },
      { timeoutMs: 15_000, what: 'three history entries' },
    );
    expect(Object.keys(done)).toEqual(ids); // finished in queue order
    for (const id of ids) {
      const entry = done[id]!;
      expect(entry.status.status_str).toBe('success');
      expect(entry.status.messages.filter(([type]) => type === 'execution_success')).toHaveLength(1);
    }
    for (const tag of tags) expect(t.pack.finished.get(tag)).toBe(1);
    // The interrupted first run started again after the restart; the others ran once.
    expect(tags.map((tag) => t?.pack.started.get(tag))).toEqual([2, 1, 1]);
    expect((await request(t.url, '/api/queue')).body).toEqual({ queue_running: [], queue_pending: [] });
  });

  it('marks a prompt left running by a dead process as interrupted, and re-queues it on request', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-e2e-'));
    const store = openPromptStore({ file: path.join(dataDir, DATABASE_FILE) });
    const prompt = sleepPrompt({ ms: 5, tag: 'crashed' });
    store.insert(
      { id: 'crashed-1', number: 1, clientId: null, prompt, workflow: undefined, targets: ['3'], extra: {} },
      1,
    );
    store.markRunning('crashed-1', 2);
    store.close(); // the process died here, mid-run

    t = await startTestServer({}, dataDir);
    const recovered = (await history(t))['crashed-1'];
    expect(recovered?.status.status_str).toBe('interrupted');

    const requeued = await request(t.url, '/api/history/crashed-1/requeue', { method: 'POST' });
    expect(requeued.status).toBe(200);
    const server = t;
    await until(
      async () => ((await history(server))['crashed-1']?.status.status_str === 'success' ? true : undefined),
      {
        what: 'the re-queued prompt to succeed',
      },
    );
    expect(t.pack.finished.get('crashed')).toBe(1);
    const twice = await request(t.url, '/api/history/crashed-1/requeue', { method: 'POST' });
    expect([twice.status, errorType(twice.body)]).toEqual([409, 'conflict']);
  });

  it('keeps submitting across restarts with growing numbers and front priority', async () => {
    t = await startTestServer();
    const first = await queuePrompt(t.url, { prompt: sleepPrompt({ ms: 1, tag: 'n-1' }) });
    t = await t.restart();
    const blocker = await queuePrompt(t.url, { prompt: sleepPrompt({ ms: 60_000, tag: 'n-block' }) });
    const back = await queuePrompt(t.url, { prompt: sleepPrompt({ ms: 1, tag: 'n-back' }) });
    const front = await queuePrompt(t.url, { prompt: sleepPrompt({ ms: 1, tag: 'n-front' }), front: true });
    const queue = (await request(t.url, '/api/queue')).body as { queue_pending: [number, string][] };
    expect(queue.queue_pending.map(([, id]) => id)).toEqual([front, back]);
    const numbers = queue.queue_pending.map(([n]) => n);
    expect(numbers[0]).toBeLessThan(0);
    expect(numbers[1]).toBeGreaterThan(2);
    expect([first, blocker].every((id) => typeof id === 'string')).toBe(true);
    await request(t.url, '/api/interrupt', { method: 'POST' });
  });
});
