/**
 * @module
 * `momaflow worker --queue redis://HOST:PORT[/DB]`: runs prompts from a `momaflow serve --queue`
 * cluster on this machine until SIGINT/SIGTERM, then puts its running prompts back in the queue.
 */
import { parseArgs } from 'node:util';
import { clusterNames } from '../cluster/cluster-names';
import { zClusterWorkerOptions } from '../cluster/cluster-options';
import { startClusterWorker } from '../cluster/cluster-worker';
import { redactRedisUrl } from '../cluster/redis-url';
import { createRuntime } from '../runtime';
import type { CliIo } from './cli-io';
import { EXIT } from './run-command';
import { type ServeHooks, untilSignal } from './serve-command';
import { cacheRamOption, threadsOption } from './threads-option';

export const WORKER_USAGE = `  momaflow worker --queue redis://HOST:PORT[/DB] [--concurrency N] [--data DIR] [--lease S]
                  [--shared-folders] [--no-affinity] [--server URL] [--worker-token T] [--threads N]
                  [--cache-ram GiB] (runs a cluster's prompts)

  --queue           the Redis of a 'momaflow serve --queue' server (or set MOMAFLOW_QUEUE)
  --concurrency     prompts run at once in this process (default 1)
  --lease           seconds before a dead worker's prompt moves to another worker (default 30)
  --shared-folders  input/, output/ and temp/ under --data are the server's own (a shared disk):
                    nothing is uploaded or downloaded
  --no-affinity     take prompts in queue order even when a free worker has their models loaded
  --server          the server's URL as this machine reaches it (default: what it advertised)
  --worker-token    the token the server expects from workers (or MOMAFLOW_WORKER_TOKEN;
                    default: what the server advertised in Redis)
  --threads         threads per onnxruntime operator, as for run and serve (default: MOMAFLOW_THREADS,
                    else the cores this process may use)
  --cache-ram       GiB the model sessions kept loaded between prompts may hold, as for serve
                    (default: MOMAFLOW_CACHE_RAM, else half the memory less 2 GiB, within 4 to 32 GiB)
`;

const USAGE = `usage:\n${WORKER_USAGE}`;

function parseWorker(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    options: {
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      data: { type: 'string' },
      lease: { type: 'string' },
      heartbeat: { type: 'string' },
      namespace: { type: 'string' },
      'shared-folders': { type: 'boolean' },
      'no-affinity': { type: 'boolean' },
      server: { type: 'string' },
      'worker-token': { type: 'string' },
      threads: { type: 'string' },
      'cache-ram': { type: 'string' },
    },
  });
}

const seconds = (text: string | undefined) =>
  text === undefined ? undefined : Math.round(Number(text) * 1000);

/**
 * @example
 * process.exitCode = await workerCommand(['--queue', 'redis://127.0.0.1:6379'], processIo());
 */
export async function workerCommand(
  argv: readonly string[],
  io: CliIo,
  hooks: ServeHooks = { stopped: untilSignal() },
): Promise<number> {
  let values: ReturnType<typeof parseWorker>['values'];
  try {
    values = parseWorker(argv).values;
  } catch (err) {
    io.error(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const threads = threadsOption(values.threads, io, USAGE);
  if (threads === null) return EXIT.usage;
  const cacheRamBytes = cacheRamOption(values['cache-ram'], io, USAGE);
  if (cacheRamBytes === null) return EXIT.usage;
  const parsed = zClusterWorkerOptions.safeParse({
    redisUrl: values.queue ?? process.env.MOMAFLOW_QUEUE,
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    ...(values.concurrency !== undefined ? { concurrency: Number(values.concurrency) } : {}),
    ...(values.lease !== undefined ? { leaseMs: seconds(values.lease) } : {}),
    ...(values.heartbeat !== undefined ? { heartbeatMs: seconds(values.heartbeat) } : {}),
    sharedFolders: values['shared-folders'] ?? false,
    affinity: !(values['no-affinity'] ?? false),
    ...(values.server !== undefined ? { serverUrl: values.server } : {}),
    ...((values['worker-token'] ?? process.env.MOMAFLOW_WORKER_TOKEN) !== undefined
      ? { workerToken: values['worker-token'] ?? process.env.MOMAFLOW_WORKER_TOKEN }
      : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') === 'redisUrl' ? '--queue' : (issue?.path.join('.') ?? 'options');
    const message =
      values.queue === undefined && issue?.path[0] === 'redisUrl' ? 'is required' : issue?.message;
    io.error(`${field}: ${message ?? 'invalid'}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const settings = parsed.data;
  const runtime = await createRuntime({
    root: values.data ?? process.cwd(),
    log: io.log,
    threads,
    cacheRamBytes,
  });
  let worker: Awaited<ReturnType<typeof startClusterWorker>>;
  try {
    worker = await startClusterWorker({
      redisUrl: settings.redisUrl,
      names: clusterNames(settings.namespace),
      runtime,
      concurrency: settings.concurrency,
      leaseMs: settings.leaseMs,
      heartbeatMs: settings.heartbeatMs,
      sharedFolders: settings.sharedFolders,
      affinity: settings.affinity,
      server: {
        ...(settings.serverUrl ? { url: settings.serverUrl } : {}),
        ...(settings.workerToken ? { token: settings.workerToken } : {}),
      },
      log: io.log,
    });
  } catch (err) {
    await runtime.dispose();
    io.error(`cannot start the worker: ${(err as Error).message}`);
    return EXIT.usage;
  }
  io.write(`momaflow worker ${worker.id} is taking prompts from ${redactRedisUrl(settings.redisUrl)}\n`);
  await hooks.stopped;
  io.write('stopping: running prompts go back to the queue...\n');
  await worker.close();
  await runtime.dispose();
  return EXIT.ok;
}
