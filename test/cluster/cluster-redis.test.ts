/**
 * Acceptance (issue 14), on a Redis with a password and append-only persistence: a prompt that no
 * worker can run stays queued with the reason shown and runs once a worker that can joins; queued
 * prompts survive a Redis restart and all finish; a worker sharing the server's folders writes outputs
 * in place; the password is in no log line; the routes workers call take the worker token, not the
 * users' token.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt, request } from '../e2e/support/http';
import { until } from '../e2e/support/until';
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

const PASSWORD = 'redis-secret-7f3a9c';
const USER_TOKEN = 'user-token-12345';
const AUTH = { authorization: `Bearer ${USER_TOKEN}` };

type Queue = {
  queue_pending: [number, string][];
  cluster: { running: Record<string, string>; waiting: Record<string, string> };
};
type HistoryEntry = {
  status: { status_str: string };
  outputs: Record<string, { images?: { filename: string; subfolder: string }[] }>;
};

describe.skipIf(SKIP_CLUSTER_TESTS)(
  `a cluster on a Redis with a password and AOF${SKIP_CLUSTER_TESTS ? ` (skipped: ${REDIS_MISSING_REASON})` : ''}`,
  () => {
    let redis: RedisProcess;
    let cluster: ClusterServer;
    const workers: WorkerProcess[] = [];
    const workerOutput: string[] = [];
    let workflow: { nodes: Record<string, { inputs: Record<string, unknown> }> };
    const queueOf = async () => (await request(cluster.url, '/api/queue', { headers: AUTH })).body as Queue;
    const history = async () =>
      (await request(cluster.url, '/api/history', { headers: AUTH })).body as Record<string, HistoryEntry>;
    const succeeded = (ids: readonly string[]) =>
      until(
        async () => {
          const entries = await history();
          return ids.every((id) => entries[id]?.status.status_str === 'success') ? true : undefined;
        },
        { timeoutMs: 30_000, what: `${ids.length} prompt(s) to succeed` },
      );
    const imagePrompt = (width: number) => {
      workflow.nodes['2']!.inputs.width = width;
      return queuePrompt(cluster.url, { prompt: workflow }, AUTH);
    };
    const start = async (withPack: boolean) => {
      const worker = await spawnWorker({ redisUrl: redis.url, withPack });
      workers.push(worker);
      return worker;
    };
    const stop = async (worker: WorkerProcess) => {
      workerOutput.push(worker.output());
      await worker.stop();
      workers.splice(workers.indexOf(worker), 1);
    };

    beforeAll(async () => {
      workflow = JSON.parse(await readFile(path.join(REPO, 'workflows', 'image-basics.json'), 'utf8'));
      redis = await startRedis({ password: PASSWORD });
      cluster = await startClusterServer({ redisUrl: redis.url, authToken: USER_TOKEN });
    }, 60_000);
    afterAll(async () => {
      for (const worker of [...workers]) await stop(worker);
      await cluster?.dispose();
      await redis?.stop();
    }, 60_000);

    it('leaves a prompt no worker can run queued with the reason, and runs it when a worker that can joins', async () => {
      const plain = await start(false);
      const sleeper = await queuePrompt(
        cluster.url,
        { prompt: sleepPrompt({ ms: 200, tag: 'needs-pack' }) },
        AUTH,
      );
      const image = await imagePrompt(64);
      await succeeded([image]); // not blocked by the prompt the worker passed by
      const waiting = await until(async () => (await queueOf()).cluster.waiting[sleeper], {
        what: 'a waiting reason',
      });
      expect(waiting).toMatch(new RegExp(`${plain.id} lacks node type 'ClusterSleep'`));
      expect((await queueOf()).queue_pending.map(([, id]) => id)).toEqual([sleeper]);

      await start(true);
      await succeeded([sleeper]);
      expect((await queueOf()).queue_pending).toEqual([]);
    }, 90_000);

    it('keeps queued prompts through a Redis restart (AOF) and runs them all', async () => {
      for (const worker of [...workers]) await stop(worker);
      const ids = [await imagePrompt(70), await imagePrompt(71), await imagePrompt(72)];
      const numbers = new Map((await queueOf()).queue_pending.map(([number, id]) => [id, number]));
      const jobKeys = ids.map((id) => `momaflow:prompts:${id}@${numbers.get(id)}`);
      await until(
        () => (jobKeys.every((key) => redis.cli('exists', key).trim() === '1') ? true : undefined),
        {
          what: 'the jobs in Redis',
        },
      );
      const restartedAt = Date.now();
      await redis.restart();
      // The same jobs, created before the restart: read back from the append-only file, not re-added.
      for (const key of jobKeys)
        expect(Number(redis.cli('hget', key, 'timestamp'))).toBeLessThan(restartedAt);

      await start(false);
      await succeeded(ids);
      expect((await queueOf()).queue_pending).toEqual([]);
    }, 90_000);

    it('runs prompts on a worker that shares the server folders, writing outputs in place', async () => {
      for (const worker of [...workers]) await stop(worker);
      const shared = await spawnWorker({
        redisUrl: redis.url,
        withPack: false,
        dataDir: cluster.dataDir,
        args: ['--shared-folders'],
      });
      workers.push(shared);
      const id = await imagePrompt(80);
      await succeeded([id]);
      const entry = (await history())[id]!;
      const ref = entry.outputs['5']!.images![0]!;
      // Uploaded, the worker's own file would have been in the way and the server's copy renamed.
      expect(ref.filename).toMatch(/^scaled_\d+_\.png$/);
      const file = await readFile(path.join(cluster.dataDir, 'output', ref.subfolder, ref.filename));
      const view = await fetch(`${cluster.url}/api/view?${new URLSearchParams({ ...ref, type: 'output' })}`, {
        headers: AUTH,
      });
      expect(view.status).toBe(200);
      expect(Buffer.from(await view.arrayBuffer()).equals(file)).toBe(true);
      expect(file.readUInt32BE(16)).toBe(80); // the PNG's width, from its header
    }, 60_000);

    it('logs the Redis URL without its password, and takes only the worker token on worker routes', async () => {
      for (const worker of workers) workerOutput.push(worker.output());
      const everything = [...cluster.logs, ...workerOutput].join('\n');
      expect(everything).toContain('redis connection lost'); // the restart above was logged...
      expect(everything).toContain(':***@127.0.0.1'); // ...with the URL redacted
      expect(everything).not.toContain(PASSWORD);

      const put = (headers: Record<string, string>) =>
        fetch(`${cluster.url}/api/cluster/files/output?filename=x.png`, {
          method: 'PUT',
          headers,
          body: 'x',
        });
      expect((await put({})).status).toBe(401);
      expect((await put(AUTH)).status).toBe(401);
      expect((await put({ authorization: 'Bearer not-the-worker-token' })).status).toBe(401);
    });
  },
);
