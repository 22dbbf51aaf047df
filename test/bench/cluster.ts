/**
 * Cluster benchmark (issue 14), loopback only, with its own redis-server (append-only on, as in
 * production). The server runs in this process as `momaflow serve --queue` does; workers are
 * `momaflow worker` processes started through the CLI, each with its own data folder (outputs are
 * uploaded, inputs downloaded: the multi-machine path).
 *   1. Throughput: prompts/min of the image-basics workflow (each prompt at another width, so
 *      nothing is cached) with 1, 2 and 3 local workers, at its own small size and at 1536 px.
 *   2. Added latency: the same prompts one at a time, alternating between a single-process server and
 *      a cluster with one worker; submit -> final `executing` frame over WebSocket; p50 and p90.
 *   3. Checkpoint affinity: txt2img on two tiny checkpoints (A A B B A A ...), one prompt at a time,
 *      on two workers, with and without affinity: cold checkpoint loads and time per prompt.
 * Prints figures with the load average; not a timed test.
 *   pnpm exec tsx test/bench/cluster.ts [prompts per throughput run] [latency rounds] [affinity prompts]
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeTinySd15 } from '@momaflow/nodes';
import { startServer } from '@momaflow/server';
import {
  type ClusterServer,
  REPO,
  spawnWorker,
  startClusterServer,
  type WorkerProcess,
} from '../cluster/support/cluster-harness';
import { startRedis } from '../cluster/support/redis-process';
import { queuePrompt, request } from '../e2e/support/http';
import { until } from '../e2e/support/until';
import { connectClient } from '../e2e/support/ws-client';

const THROUGHPUT_PROMPTS = Number(process.argv[2] ?? 120);
const LATENCY_ROUNDS = Number(process.argv[3] ?? 30);
const AFFINITY_PROMPTS = Number(process.argv[4] ?? 16);

type Workflow = { nodes: Record<string, { class_type: string; inputs: Record<string, unknown> }> };
type HistoryEntry = { status: { status_str: string; messages: [string, { nodes?: string[] }][] } };

const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const workflowFile = async (name: string): Promise<Workflow> =>
  JSON.parse(await readFile(path.join(REPO, 'workflows', name), 'utf8'));

async function historyOf(url: string): Promise<Record<string, HistoryEntry>> {
  return (await request(url, '/api/history')).body as Record<string, HistoryEntry>;
}

async function allDone(url: string, ids: readonly string[], timeoutMs = 600_000) {
  return until(
    async () => {
      const entries = await historyOf(url);
      if (!ids.every((id) => entries[id])) return undefined;
      const failed = ids.filter((id) => entries[id]?.status.status_str !== 'success');
      if (failed.length > 0) throw new Error(`${failed.length} prompt(s) did not succeed`);
      return entries;
    },
    { timeoutMs, what: `${ids.length} prompts` },
  );
}

async function withCluster<T>(
  redisUrl: string,
  workerCount: number,
  run: (cluster: ClusterServer, workers: WorkerProcess[]) => Promise<T>,
  options: { prepare?: (dir: string) => Promise<void>; args?: readonly string[] } = {},
): Promise<T> {
  const cluster = await startClusterServer({
    redisUrl,
    ...(options.prepare ? { prepare: options.prepare } : {}),
  });
  const workers = await Promise.all(
    Array.from({ length: workerCount }, () =>
      spawnWorker({ redisUrl, withPack: false, leaseSeconds: 30, ...options }),
    ),
  );
  try {
    return await run(cluster, workers);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await cluster.dispose();
  }
}

async function throughput(redisUrl: string, flush: () => void): Promise<void> {
  const workflow = await workflowFile('image-basics.json');
  // The workflow's own 192 px output is so quick that the queue itself is measured; at 1536 px the
  // prompts' work (bicubic scale, PNG encode, upload) dominates, which is what more workers share.
  for (const base of [192, 1536]) {
    let width = base;
    const submit = (url: string) => {
      workflow.nodes['2']!.inputs.width = width++;
      return queuePrompt(url, { prompt: workflow });
    };
    console.log(
      `\n1. throughput: ${THROUGHPUT_PROMPTS} image-basics prompts scaled to ${base}+ px wide (load ${load()})`,
    );
    for (const count of [1, 2, 3]) {
      flush();
      await withCluster(redisUrl, count, async (cluster) => {
        const warm: string[] = [];
        for (let i = 0; i < count * 3; i++) warm.push(await submit(cluster.url));
        await allDone(cluster.url, warm);
        const started = performance.now();
        const ids: string[] = [];
        for (let i = 0; i < THROUGHPUT_PROMPTS; i++) ids.push(await submit(cluster.url));
        await allDone(cluster.url, ids);
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `   ${count} worker(s): ${((THROUGHPUT_PROMPTS / seconds) * 60).toFixed(0)} prompts/min (${seconds.toFixed(2)} s; load ${load()})`,
        );
      });
    }
  }
}

async function latency(redisUrl: string, flush: () => void): Promise<void> {
  flush();
  const workflow = await workflowFile('image-basics.json');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-bench-single-'));
  await mkdir(path.join(dataDir, 'input'), { recursive: true });
  await copyFile(path.join(REPO, 'input', 'example.png'), path.join(dataDir, 'input', 'example.png'));
  const single = await startServer({ host: '127.0.0.1', port: 0, dataDir });
  try {
    await withCluster(redisUrl, 1, async (cluster) => {
      const targets = { single: single.url, cluster: cluster.url };
      const clients = {
        single: await connectClient(single.url, { clientId: 'bench' }),
        cluster: await connectClient(cluster.url, { clientId: 'bench' }),
      };
      const times: Record<keyof typeof targets, number[]> = { single: [], cluster: [] };
      let width = 32;
      for (let round = -3; round < LATENCY_ROUNDS; round++) {
        for (const mode of round % 2 === 0
          ? (['single', 'cluster'] as const)
          : (['cluster', 'single'] as const)) {
          workflow.nodes['2']!.inputs.width = width++;
          const started = performance.now();
          const id = await queuePrompt(targets[mode], { prompt: workflow, client_id: 'bench' });
          await clients[mode].waitForPromptDone(id, 60_000);
          if (round >= 0) times[mode].push(performance.now() - started);
        }
      }
      await Promise.all(Object.values(clients).map((c) => c.close()));
      const p50 = { single: percentile(times.single, 50), cluster: percentile(times.cluster, 50) };
      console.log(
        `\n2. latency per prompt, one at a time, ${LATENCY_ROUNDS} each, alternating (load ${load()})`,
      );
      for (const mode of ['single', 'cluster'] as const) {
        console.log(
          `   ${mode.padEnd(7)} p50 ${percentile(times[mode], 50).toFixed(1)} ms, p90 ${percentile(times[mode], 90).toFixed(1)} ms`,
        );
      }
      console.log(
        `   added by the cluster: ${(p50.cluster - p50.single).toFixed(1)} ms at p50 (target < 50 ms)`,
      );
    });
  } finally {
    await single.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Two tiny checkpoints that differ in one weight, so each has its own cache entry. */
async function makeCheckpoints(): Promise<{ dir: string; names: [string, string] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-bench-ckpt-'));
  const made = await makeTinySd15({ modelsDir: dir });
  const stem = path.basename(made.checkpoint, '.safetensors');
  const bytes = new Uint8Array(await readFile(made.checkpoint));
  const dataStart = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
  bytes[dataStart + 4096] = (bytes[dataStart + 4096] ?? 0) ^ 1; // one fp16 mantissa bit
  const other = `${stem}-b`;
  await writeFile(path.join(dir, 'checkpoints', `${other}.safetensors`), bytes);
  await copyFile(made.yaml, path.join(dir, 'checkpoints', `${other}.yaml`));
  return { dir, names: [`${stem}.safetensors`, `${other}.safetensors`] };
}

async function affinity(redisUrl: string, flush: () => void): Promise<void> {
  const { dir, names } = await makeCheckpoints();
  const prepare = async (dataDir: string) => {
    await mkdir(path.join(dataDir, 'models', 'checkpoints'), { recursive: true });
    for (const file of await readdir(path.join(dir, 'checkpoints'))) {
      await copyFile(path.join(dir, 'checkpoints', file), path.join(dataDir, 'models', 'checkpoints', file));
    }
  };
  const workflow = await workflowFile('txt2img.json');
  Object.assign(workflow.nodes['5']!.inputs, { width: 64, height: 64 });
  Object.assign(workflow.nodes['3']!.inputs, { steps: 2 });
  console.log(
    `\n3. checkpoint affinity: ${AFFINITY_PROMPTS} txt2img prompts (64x64, 2 steps) as A A B B ..., one at a time, 2 workers`,
  );
  for (const mode of ['with affinity', 'without affinity'] as const) {
    flush();
    await withCluster(
      redisUrl,
      2,
      async (cluster) => {
        const times: number[] = [];
        const client = await connectClient(cluster.url, { clientId: 'bench' });
        const ids: string[] = [];
        for (let i = 0; i < AFFINITY_PROMPTS; i++) {
          workflow.nodes['4']!.inputs.ckpt_name = names[Math.floor(i / 2) % 2];
          workflow.nodes['3']!.inputs.seed = 1000 + i;
          const started = performance.now();
          const id = await queuePrompt(cluster.url, { prompt: workflow, client_id: 'bench' });
          await client.waitForPromptDone(id, 300_000);
          times.push(performance.now() - started);
          ids.push(id);
        }
        await client.close();
        const entries = await allDone(cluster.url, ids);
        const cold = ids.filter(
          (id) =>
            !entries[id]?.status.messages.some(
              ([type, data]) => type === 'execution_cached' && data.nodes?.includes('4'),
            ),
        ).length;
        const total = times.reduce((a, b) => a + b, 0) / 1000;
        console.log(
          `   ${mode.padEnd(16)}: ${cold} cold checkpoint loads, ${total.toFixed(1)} s in all, p50 ${percentile(times, 50).toFixed(0)} ms per prompt (load ${load()})`,
        );
      },
      { prepare, ...(mode === 'without affinity' ? { args: ['--no-affinity'] } : {}) },
    );
  }
  await rm(dir, { recursive: true, force: true });
}

const redis = await startRedis();
const flush = () => void redis.cli('flushall');
try {
  console.log(`cluster bench: ${os.cpus().length} cores, load ${load()}`);
  await throughput(redis.url, flush);
  await latency(redis.url, flush);
  await affinity(redis.url, flush);
} finally {
  await redis.stop();
}
process.exit(0);
