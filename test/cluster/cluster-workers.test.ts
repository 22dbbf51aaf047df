/**
 * Acceptance (issue 14): a server and three `momaflow worker` processes on one Redis. Sixty prompts
 * of the image-basics workflow each finish exactly once, with every event relayed in order to a
 * WebSocket client and every output served by the server; then a worker is killed (SIGKILL) while
 * it runs a prompt, which completes on another worker once its lease runs out; then interrupt and
 * queue delete reach prompts running on other machines.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { WireMessage } from '@momaflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, queuePrompt, request } from '../e2e/support/http';
import { until } from '../e2e/support/until';
import { connectClient, type TestClient } from '../e2e/support/ws-client';
import {
  type ClusterServer,
  REPO,
  sleepPrompt,
  spawnWorker,
  startClusterServer,
  type WorkerProcess,
} from './support/cluster-harness';
import {
  REDIS_MISSING_REASON,
  type RedisProcess,
  SKIP_CLUSTER_TESTS,
  startRedis,
} from './support/redis-process';

type Queue = {
  queue_running: [number, string][];
  queue_pending: [number, string][];
  cluster: { workers: { id: string }[]; running: Record<string, string>; waiting: Record<string, string> };
};
type HistoryEntry = {
  status: { status_str: string; messages: [string, unknown][] };
  outputs: Record<string, { images?: { filename: string; subfolder: string; type: string }[] }>;
};

const PROMPTS = 60;

/** Width and height of a PNG, from its IHDR chunk. */
const pngSize = (bytes: Uint8Array) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
};

describe.skipIf(SKIP_CLUSTER_TESTS)(
  `a cluster of three worker processes${SKIP_CLUSTER_TESTS ? ` (skipped: ${REDIS_MISSING_REASON})` : ''}`,
  () => {
    let redis: RedisProcess;
    let cluster: ClusterServer;
    let workers: WorkerProcess[] = [];
    let watcher: TestClient;
    const queueOf = async () => (await request(cluster.url, '/api/queue')).body as Queue;
    const history = async () =>
      (await request(cluster.url, '/api/history')).body as Record<string, HistoryEntry>;

    beforeAll(async () => {
      redis = await startRedis();
      cluster = await startClusterServer({ redisUrl: redis.url });
      workers = await Promise.all([0, 1, 2].map(() => spawnWorker({ redisUrl: redis.url, withPack: true })));
      watcher = await connectClient(cluster.url, { subscribe: 'all' });
    }, 90_000);
    afterAll(async () => {
      await watcher?.close();
      await Promise.all(workers.map((w) => w.stop()));
      await cluster?.dispose();
      await redis?.stop();
    }, 60_000);

    it(`runs ${PROMPTS} prompts exactly once each, relaying every event in order and serving every output`, async () => {
      const workflow = JSON.parse(await readFile(path.join(REPO, 'workflows', 'image-basics.json'), 'utf8'));
      const started = Date.now();
      const widths = new Map<string, number>();
      for (let i = 0; i < PROMPTS; i++) {
        const width = 40 + i;
        workflow.nodes['2'].inputs.width = width;
        widths.set(await queuePrompt(cluster.url, { prompt: workflow }), width);
      }
      const ids = [...widths.keys()];
      const busyWorkers = new Set<string>();
      const entries = await until(
        async () => {
          for (const worker of Object.values((await queueOf()).cluster.running)) busyWorkers.add(worker);
          const done = await history();
          return Object.keys(done).length >= PROMPTS ? done : undefined;
        },
        { timeoutMs: 120_000, what: `${PROMPTS} history entries` },
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `cluster: ${PROMPTS} prompts on 3 workers in ${seconds.toFixed(1)} s; workers seen busy: ${busyWorkers.size}`,
      );

      expect(Object.keys(entries).sort()).toEqual([...ids].sort());
      expect((await queueOf()).cluster.workers.map((w) => w.id).sort()).toEqual(
        workers.map((w) => w.id).sort(),
      );
      expect(busyWorkers.size).toBeGreaterThanOrEqual(2);
      for (const id of ids) {
        await watcher.waitForPromptDone(id, 10_000);
        const messages = watcher.promptMessages(id);
        const types = messages.map((m) => m.type);
        expect(types.slice(0, 2), id).toEqual(['execution_start', 'execution_cached']);
        expect(types.slice(-2), id).toEqual(['execution_success', 'executing']);
        expect(types.filter((t) => t === 'execution_start' || t === 'execution_success')).toHaveLength(2);
        // Each node announced before its output, and each node once: cached or executed.
        const cached = messages.flatMap((m) => (m.type === 'execution_cached' ? m.data.nodes : []));
        const executing = messages.flatMap((m: WireMessage) =>
          m.type === 'executing' && m.data.node ? [m.data.node] : [],
        );
        expect([...cached, ...executing].sort()).toEqual(Object.keys(workflow.nodes).sort());
        for (const m of messages) {
          if (m.type === 'executed' && !m.data.cached)
            expect(executing.indexOf(m.data.node)).toBeGreaterThanOrEqual(0);
        }

        const entry = entries[id]!;
        expect(entry.status.status_str).toBe('success');
        expect(entry.status.messages.filter(([type]) => type === 'execution_success')).toHaveLength(1);
        const image = entry.outputs['5']?.images?.[0];
        expect(image).toBeDefined();
        const view = await fetch(
          `${cluster.url}/api/view?${new URLSearchParams({ filename: image!.filename, subfolder: image!.subfolder, type: 'output' })}`,
        );
        expect(view.status).toBe(200);
        const [width] = pngSize(new Uint8Array(await view.arrayBuffer()));
        expect(width, `the file of ${id} is its own`).toBe(widths.get(id));
      }
    }, 150_000);

    it('moves a prompt whose worker is killed mid-run to another worker, and records it once', async () => {
      const id = await queuePrompt(cluster.url, {
        prompt: sleepPrompt({ ms: 3000, steps: 30, tag: 'killed' }),
      });
      const victimId = await until(async () => (await queueOf()).cluster.running[id], {
        what: 'the prompt to run',
      });
      const victim = workers.find((w) => w.id === victimId)!;
      await watcher.waitFor((m) => m.type === 'progress' && m.data.prompt_id === id);
      await victim.kill();
      workers = workers.filter((w) => w !== victim);

      const rescuer = await until(
        async () => {
          const worker = (await queueOf()).cluster.running[id];
          return worker && worker !== victimId ? worker : undefined;
        },
        { timeoutMs: 20_000, what: 'another worker to take the prompt' },
      );
      expect(workers.map((w) => w.id)).toContain(rescuer);
      await watcher.waitForPromptDone(id, 20_000);
      const entries = await history();
      expect(entries[id]?.status.status_str).toBe('success');
      expect(Object.keys(entries).filter((key) => key === id)).toHaveLength(1);
      const successes = watcher.promptMessages(id).filter((m) => m.type === 'execution_success');
      expect(successes).toHaveLength(1);
      expect((await queueOf()).cluster.workers.map((w) => w.id)).not.toContain(victimId);
    }, 60_000);

    it('interrupts and deletes prompts across machines', async () => {
      const [a, b] = [
        await queuePrompt(cluster.url, { prompt: sleepPrompt({ ms: 60_000, tag: 'a' }) }),
        await queuePrompt(cluster.url, { prompt: sleepPrompt({ ms: 60_000, tag: 'b' }) }),
      ];
      const c = await queuePrompt(cluster.url, { prompt: sleepPrompt({ ms: 60_000, tag: 'c' }) });
      await until(
        async () => {
          const q = await queueOf();
          return q.cluster.running[a] && q.cluster.running[b] ? true : undefined;
        },
        { what: 'two prompts running on the two workers' },
      );
      expect((await queueOf()).queue_pending.map(([, id]) => id)).toEqual([c]);

      expect((await postJson(cluster.url, '/api/queue', { delete: [c] })).body).toEqual({ deleted: [c] });
      expect((await postJson(cluster.url, '/api/interrupt', { prompt_id: a })).body).toEqual({
        interrupted: a,
        cancelled: null,
      });
      await watcher.waitForPromptDone(a, 10_000);
      expect((await postJson(cluster.url, '/api/interrupt', {})).body).toMatchObject({ interrupted: b });
      await watcher.waitForPromptDone(b, 10_000);

      const entries = await history();
      expect([entries[a]?.status.status_str, entries[b]?.status.status_str]).toEqual([
        'interrupted',
        'interrupted',
      ]);
      expect(entries[c]).toBeUndefined();
      const queue = await queueOf();
      expect([queue.queue_running, queue.queue_pending]).toEqual([[], []]);
    }, 60_000);
  },
);
