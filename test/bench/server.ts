/**
 * Server benchmark, loopback only. The server runs in a child process (its own core), the load here:
 *   1. GET /api/object_info: requests/s and latency percentiles;
 *   2. POST /api/prompt of an all-cached workflow (the example workflow, run once first): the same;
 *   3. 50 WebSocket clients subscribed to all prompts while 200 prompts are queued: every client must
 *      receive every event of every prompt, in order; anything lost fails the run (exit code 1).
 * Every phase is bounded in requests and time. Prints figures; not a timed test.
 *   pnpm exec tsx test/bench/server.ts [seconds per HTTP phase] [concurrency]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startServer, type WireMessage } from '@momaflow/server';
import WebSocket from 'ws';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.argv[2] ?? 4);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const MAX_REQUESTS = 50_000;
const WS_CLIENTS = 50;
const WS_PROMPTS = 200;
const WS_DEADLINE_MS = 120_000;

/** Child mode: serve from a fresh data folder until stdin closes. */
async function serveChild(): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-bench-'));
  await mkdir(path.join(dataDir, 'input'), { recursive: true });
  await copyFile(path.join(REPO, 'input', 'example.png'), path.join(dataDir, 'input', 'example.png'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir });
  process.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
}

function startChild(): Promise<{ child: ChildProcess; port: number; url: string }> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start in 60 s')), 60_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, ...(JSON.parse(line) as { port: number; url: string }) });
    });
    child.once('exit', (code) => reject(new Error(`the server exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function send(
  port: number,
  method: string,
  route: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: route, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** `CONCURRENCY` loops sending `request` until SECONDS pass (or MAX_REQUESTS); every answer must be 200. */
async function load(name: string, request: () => Promise<{ status: number }>): Promise<void> {
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  const worker = async () => {
    while (performance.now() < deadline && latencies.length < MAX_REQUESTS) {
      const start = performance.now();
      const res = await request();
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `  ${name.padEnd(34)} ${(latencies.length / seconds).toFixed(0).padStart(6)} req/s   ` +
      `p50 ${percentile(sorted, 0.5).toFixed(2)} ms   p99 ${percentile(sorted, 0.99).toFixed(2)} ms   ` +
      `(${latencies.length} requests, concurrency ${CONCURRENCY})`,
  );
}

async function waitForIdle(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const queue = JSON.parse((await send(port, 'GET', '/api/queue')).text) as {
      queue_running: unknown[];
      queue_pending: unknown[];
    };
    if (queue.queue_running.length === 0 && queue.queue_pending.length === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the queue did not drain in 60 s');
}

interface Listener {
  readonly socket: WebSocket;
  /** Frame types per prompt id, in arrival order. */
  readonly byPrompt: Map<string, string[]>;
}

function listen(url: string, index: number): Promise<Listener> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=bench-${index}&subscribe=all`);
  const byPrompt = new Map<string, string[]>();
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = JSON.parse(String(data)) as WireMessage;
    const id = Reflect.get(message.data as object, 'prompt_id');
    if (typeof id !== 'string') return;
    const list = byPrompt.get(id) ?? [];
    list.push(message.type === 'executing' && message.data.node === null ? 'done' : message.type);
    byPrompt.set(id, list);
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, byPrompt }));
    socket.once('error', reject);
  });
}

async function main(): Promise<void> {
  const { child, port, url } = await startChild();
  try {
    const workflow = await readFile(path.join(REPO, 'workflows', 'image-basics.json'), 'utf8');
    const body = `{"prompt":${workflow}}`;
    const first = await send(port, 'POST', '/api/prompt', body);
    if (first.status !== 200) throw new Error(`the example workflow was refused: ${first.text}`);
    await waitForIdle(port);
    console.log(`server bench (loopback, server in a child process, ${os.cpus().length} cores)`);
    await load('GET /api/object_info', () => send(port, 'GET', '/api/object_info'));
    await load('POST /api/prompt (all cached)', () => send(port, 'POST', '/api/prompt', body));
    await waitForIdle(port);

    const listeners = await Promise.all(Array.from({ length: WS_CLIENTS }, (_, i) => listen(url, i)));
    const t0 = performance.now();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < WS_PROMPTS) {
          next++;
          const res = await send(port, 'POST', '/api/prompt', body);
          ids.push((JSON.parse(res.text) as { prompt_id: string }).prompt_id);
        }
      }),
    );
    const complete = (l: Listener) => ids.every((id) => l.byPrompt.get(id)?.at(-1) === 'done');
    const deadline = Date.now() + WS_DEADLINE_MS;
    while (!listeners.every(complete) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - t0) / 1000;

    const expected = listeners[0]!.byPrompt.get(ids[0]!) ?? [];
    let lost = 0;
    for (const listener of listeners) {
      for (const id of ids) {
        const got = listener.byPrompt.get(id) ?? [];
        if (got.join() !== expected.join()) lost += Math.max(1, expected.length - got.length);
      }
    }
    const events = ids.length * expected.length;
    console.log(
      `  WebSocket fan-out: ${WS_CLIENTS} clients x ${ids.length} prompts x ${expected.length} events ` +
        `(${expected.join(', ')}) = ${events} per client, ${events * WS_CLIENTS} in all, ` +
        `in ${seconds.toFixed(2)} s; lost or out of order: ${lost}`,
    );
    for (const l of listeners) l.socket.close();
    if (lost > 0 || expected.at(-1) !== 'done') process.exitCode = 1;
  } finally {
    agent.destroy();
    child.stdin?.end();
    await new Promise((r) => child.once('exit', r));
  }
}

if (process.argv.includes('--serve')) await serveChild();
else await main();
