/**
 * `momaflow worker --threads N` reaches the onnxruntime sessions of the prompts it runs, as
 * `momaflow run --threads N` does (server/src/cli/run-command.test.ts). The worker runs in this
 * process (its log lines kept) and shares the server's folders, where the tiny SD1.5 model lives.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveThreadCount } from '@momaflow/engine';
import { makeTinySd15 } from '@momaflow/nodes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../../server/src/cli/memory-io';
import { workerCommand } from '../../server/src/cli/worker-command';
import { queuePrompt, request } from '../e2e/support/http';
import { until } from '../e2e/support/until';
import { type ClusterServer, REPO, startClusterServer } from './support/cluster-harness';
import {
  REDIS_MISSING_REASON,
  type RedisProcess,
  SKIP_CLUSTER_TESTS,
  startRedis,
} from './support/redis-process';

type HistoryEntry = { status: { status_str: string } };

describe.skipIf(SKIP_CLUSTER_TESTS)(
  `momaflow worker --threads${SKIP_CLUSTER_TESTS ? ` (skipped: ${REDIS_MISSING_REASON})` : ''}`,
  () => {
    let redis: RedisProcess;
    let cluster: ClusterServer;

    beforeAll(async () => {
      redis = await startRedis();
      cluster = await startClusterServer({
        redisUrl: redis.url,
        prepare: async (dataDir) => {
          await makeTinySd15({ modelsDir: path.join(dataDir, 'models') });
        },
      });
    }, 60_000);
    afterAll(async () => {
      await cluster?.dispose();
      await redis?.stop();
    }, 60_000);

    it("gives the sessions of the prompts it runs the --threads count, not the process's default", async () => {
      // A count no machine gets by default, so the test fails wherever --threads is dropped.
      const threads = resolveThreadCount().threads + 1;
      const { io, out, logged } = memoryIo();
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const args = ['--queue', redis.url, '--data', cluster.dataDir, '--shared-folders'];
      const running = workerCommand([...args, '--threads', String(threads)], io, { stopped });
      try {
        await until(() => (/is taking prompts/.test(out()) ? true : undefined), {
          timeoutMs: 30_000,
          what: 'the worker to start',
        });
        const workflow = JSON.parse(await readFile(path.join(REPO, 'workflows', 'txt2img.json'), 'utf8'));
        Object.assign(workflow.nodes['5'].inputs, { width: 64, height: 64 });
        workflow.nodes['3'].inputs.steps = 1;
        const id = await queuePrompt(cluster.url, { prompt: workflow });
        const status = await until(
          async () => {
            const entry = ((await request(cluster.url, '/api/history')).body as Record<string, HistoryEntry>)[
              id
            ];
            return entry?.status.status_str;
          },
          { timeoutMs: 60_000, what: 'the prompt to finish' },
        );
        expect(status).toBe('success');
      } finally {
        stop();
        expect(await running).toBe(0);
      }
      const sessions = logged()
        .filter((l) => l.message === 'onnx session created')
        .map((l) => l.data.intraOpNumThreads);
      // Text encoder, UNet and VAE decoder.
      expect(sessions).toEqual([threads, threads, threads]);
    }, 90_000);
  },
);
