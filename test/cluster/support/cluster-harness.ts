/**
 * @module
 * A cluster for a test: the real server in this process in cluster mode (its log lines kept), and
 * `momaflow worker` child processes started through the CLI, each with its own data folder (so
 * outputs travel by upload and inputs by download). Test data: input/example.png, and the sleep node
 * pack on the server and on the workers that are given it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@momaflow/engine';
import { type RunningServer, startServer } from '@momaflow/server';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = path.join(REPO, 'server/src/cli/main.ts');
/**
 * A node pack (written into custom_nodes/): ClusterSleep waits `ms` in `steps` steps, reporting
 * progress and honouring interruption, so a prompt runs long enough to kill or interrupt its worker.
 * Only workers given the pack can run it.
 */
const SLEEP_PACK_SOURCE = `
export default ({ defineNode, defineNodePack, Input }) =>
  defineNodePack({
    name: 'cluster-sleep-pack',
    version: '1.0.0',
    nodes: [
      defineNode({
        type: 'ClusterSleep',
        category: 'test',
        output: true,
        inputs: {
          ms: Input.int({ default: 1000, min: 0, max: 600000 }),
          steps: Input.int({ default: 10, min: 1, max: 1000 }),
          tag: Input.string({ default: '' }),
        },
        outputs: [],
        run: async (ctx, { ms, steps, tag }) => {
          for (let step = 1; step <= steps; step++) {
            await new Promise((resolve, reject) => {
              const stop = () => {
                clearTimeout(timer);
                reject(new DOMException('interrupted', 'AbortError'));
              };
              const timer = setTimeout(() => {
                ctx.signal.removeEventListener('abort', stop);
                resolve();
              }, ms / steps);
              ctx.signal.addEventListener('abort', stop, { once: true });
            });
            ctx.progress(step, steps);
          }
          return { outputs: [], ui: { text: [tag] } };
        },
      }),
    ],
  });
`;

async function dataFolder(withPack: boolean): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-cluster-'));
  if (withPack) {
    const pack = path.join(dir, 'custom_nodes', 'cluster-sleep-pack');
    await mkdir(pack, { recursive: true });
    const manifest = { name: 'cluster-sleep-pack', version: '1.0.0', type: 'module', main: 'index.js' };
    await writeFile(path.join(pack, 'package.json'), JSON.stringify(manifest));
    await writeFile(path.join(pack, 'index.js'), SLEEP_PACK_SOURCE);
  }
  return dir;
}

export interface ClusterServer {
  readonly server: RunningServer;
  readonly url: string;
  readonly dataDir: string;
  /** Every log line, as `level: message {data}`. */
  readonly logs: string[];
  dispose(): Promise<void>;
}

export async function startClusterServer(options: {
  redisUrl: string;
  authToken?: string;
  workerToken?: string;
  /** Fills the data folder (models, say) before the server starts. */
  prepare?: (dataDir: string) => Promise<void>;
}): Promise<ClusterServer> {
  const dataDir = await dataFolder(true);
  await options.prepare?.(dataDir);
  await mkdir(path.join(dataDir, 'input'), { recursive: true });
  await cp(path.join(REPO, 'input', 'example.png'), path.join(dataDir, 'input', 'example.png'));
  const logs: string[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    ...(options.authToken ? { authToken: options.authToken } : {}),
    cluster: {
      redisUrl: options.redisUrl,
      reconcileMs: 200,
      ...(options.workerToken ? { workerToken: options.workerToken } : {}),
    },
    log: createLogger((level, message, data) => logs.push(`${level}: ${message} ${JSON.stringify(data)}`)),
  });
  return {
    server,
    url: server.url,
    dataDir,
    logs,
    async dispose() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  readonly id: string;
  readonly pid: number;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  /** SIGTERM: it puts its running prompts back and leaves. */
  stop(): Promise<void>;
  /** SIGKILL: it dies mid-prompt. */
  kill(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function spawnWorker(options: {
  redisUrl: string;
  withPack: boolean;
  leaseSeconds?: number;
  concurrency?: number;
  /** More `momaflow worker` arguments. */
  args?: readonly string[];
  /** Fills the data folder (models, say) before the worker starts. */
  prepare?: (dataDir: string) => Promise<void>;
  /** A folder that is not the worker's own (the server's, with `--shared-folders`): kept on exit. */
  dataDir?: string;
}): Promise<WorkerProcess> {
  const dataDir = options.dataDir ?? (await dataFolder(options.withPack));
  await options.prepare?.(dataDir);
  const args = [
    '--import',
    'tsx',
    MAIN,
    'worker',
    '--queue',
    options.redisUrl,
    '--data',
    dataDir,
    '--lease',
    String(options.leaseSeconds ?? 1.5),
    '--heartbeat',
    '0.3',
    '--concurrency',
    String(options.concurrency ?? 1),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const id = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${text}`)), 60_000);
    const check = () => {
      const match = /momaflow worker (\S+) is taking prompts/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}:\n${text}`)));
  });
  const cleanup = async () => {
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  };
  return {
    id,
    pid: child.pid ?? -1,
    output: () => text,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      await cleanup();
    },
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
      await cleanup();
    },
  };
}

/** A ClusterSleep prompt (only workers with the sleep pack run it). */
export function sleepPrompt(options: { ms: number; tag: string; steps?: number }) {
  return {
    '1': {
      class_type: 'ClusterSleep',
      inputs: { ms: options.ms, steps: options.steps ?? 10, tag: options.tag },
    },
  };
}
