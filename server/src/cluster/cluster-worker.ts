/**
 * @module
 * `momaflow worker`: a BullMQ worker that runs queued prompts on this machine's runtime, whose
 * executor cache and loaded models stay warm between prompts. BullMQ holds a lease (lock) on each
 * running job and renews it; a worker that dies loses it, and another worker takes the job once the
 * lease runs out. The worker takes a prompt only when it has every node type and model file it
 * needs (otherwise it puts it back for a while, saying why), and leaves it to a free worker that has
 * its models loaded when it has not. It publishes the executor's events on the events channel,
 * sends produced files to the server, and completes the job with the outcome.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { type ExecutionEvent, errorMessage, type FileRef, type Logger } from '@momaflow/engine';
import { DelayedError, type Job, Queue, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { failedRun, preparePrompt, runPrompt } from '../queue';
import type { Runtime } from '../runtime';
import type { PromptOutcome } from '../store';
import { type ClusterMessage, encodeClusterMessage, zControlMessage } from './cluster-message';
import { type ClusterNames, clusterNames } from './cluster-names';
import { fileKey, renameFiles } from './file-refs';
import { modelKeys, preferredWorker } from './placement';
import { type PromptJob, zPromptJob } from './prompt-job';
import { createPromptOutbox } from './prompt-outbox';
import { missingRequirements, readCapabilities, type WorkerCapabilities } from './prompt-requirements';
import { closeAll, openRedis, reachable } from './redis-connection';
import { createServerLink } from './server-link';
import { readAdverts, type WorkerAdvert } from './worker-advert';

export interface ClusterWorkerOptions {
  readonly redisUrl: string;
  readonly names?: ClusterNames;
  readonly runtime: Runtime;
  /** Prompts run at once in this process. */
  readonly concurrency: number;
  /** How long a job stays this worker's without a lease renewal (a dead worker's jobs move after it). */
  readonly leaseMs: number;
  readonly heartbeatMs: number;
  /** This worker's input, output and temp folders are the server's (a shared disk): no transfers. */
  readonly sharedFolders: boolean;
  /** Leave a prompt to a free worker that has its models loaded (default true). */
  readonly affinity?: boolean;
  /** Where the server is and its worker token, when what it advertised in Redis does not fit. */
  readonly server?: { readonly url?: string; readonly token?: string };
  readonly log: Logger;
  readonly id?: string;
  /** How long to wait for Redis at start before giving up. */
  readonly connectTimeoutMs?: number;
}

export interface ClusterWorker {
  readonly id: string;
  /** Stops taking prompts, puts the running ones back at the head of the queue, and leaves. */
  close(): Promise<void>;
}

const SHUTDOWN = Symbol('shutdown');
/** Model sets remembered as loaded (a proxy for what the executor cache still holds). */
const WARM_LIMIT = 4;
/** Files remembered as uploaded, so a cached output is not sent again. */
const UPLOADED_LIMIT = 10_000;
/** How long a worker keeps its slot after leaving a prompt to a warmer worker, so that one takes it. */
const AFFINITY_HOLD_MS = 50;
/** After this many hand-offs of one prompt, a worker runs it anyway. */
const MAX_AFFINITY_DEFERRALS = 3;
/** Capabilities are read again every this many heartbeats (model folders change). */
const CAPABILITY_REFRESH_BEATS = 5;
const UPLOAD_ATTEMPTS = 3;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Back-off before a worker that cannot run a prompt looks at it again: 250 ms doubling up to 5 s. */
const deferralDelay = (count: number) => Math.min(250 * 2 ** (count - 1), 5000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Prompts other workers put aside come back at once: this new worker may be able to run them. */
async function promoteDeferred(connection: Redis, names: ClusterNames): Promise<void> {
  const queue = new Queue(names.queue, { connection, prefix: names.prefix });
  try {
    for (const job of await queue.getDelayed()) await job.promote().catch(() => undefined);
  } finally {
    await queue.close();
  }
}

/**
 * @example
 * const worker = await startClusterWorker({ redisUrl, runtime, concurrency: 1, leaseMs: 30_000,
 *   heartbeatMs: 2000, sharedFolders: false, log });
 * process.once('SIGTERM', () => worker.close());
 */
export async function startClusterWorker(options: ClusterWorkerOptions): Promise<ClusterWorker> {
  const names = options.names ?? clusterNames();
  const { runtime, log } = options;
  const id = options.id ?? `${os.hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const redis = openRedis({ url: options.redisUrl, log, role: 'worker' });
  const control = openRedis({ url: options.redisUrl, log, role: 'worker control' });
  try {
    await reachable(redis, {
      url: options.redisUrl,
      timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    await closeAll([redis, control]);
    throw err;
  }
  const link = createServerLink({ redis, names, ...options.server });
  const running = new Map<string, AbortController>();
  const uploaded = new Map<string, FileRef>();
  const deferrals = new Map<string, number>();
  const handOffs = new Map<string, number>();
  const startedAt = Date.now();
  let warm: string[] = [];
  let capabilities: WorkerCapabilities = await readCapabilities(runtime.registry, runtime.env);

  const advert = (): WorkerAdvert => ({
    id,
    host: os.hostname(),
    pid: process.pid,
    startedAt,
    seenAt: Date.now(),
    heartbeatMs: options.heartbeatMs,
    slots: options.concurrency,
    running: [...running.keys()],
    warm,
    capabilities,
  });
  // Connection errors are logged by the connection itself; a missed heartbeat is retried next beat.
  const heartbeat = () => redis.hset(names.workers, id, JSON.stringify(advert())).catch(() => undefined);
  const publish = (message: ClusterMessage) => redis.publish(names.events, encodeClusterMessage(message));

  control.on('message', (_channel: string, text: string) => {
    let parsed: ReturnType<typeof zControlMessage.safeParse>;
    try {
      parsed = zControlMessage.safeParse(JSON.parse(text));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const { promptId } = parsed.data;
    for (const [id, controller] of running) if (promptId === null || promptId === id) controller.abort();
  });
  await control.subscribe(names.control);

  async function uploadWithRetry(ref: FileRef): Promise<FileRef> {
    const dir = ref.type === 'temp' ? runtime.env.dirs.temp : runtime.env.dirs.output;
    const file = path.join(dir, ref.subfolder, ref.filename);
    for (let attempt = 1; ; attempt++) {
      try {
        return await link.upload(ref, file);
      } catch (err) {
        if (attempt >= UPLOAD_ATTEMPTS) throw err;
        await sleep(200 * attempt);
      }
    }
  }

  /** Puts the job aside for a while: this worker cannot run it (the server shows `reason`). */
  async function defer(
    job: Job,
    token: string | undefined,
    promptId: string,
    reason: string,
  ): Promise<never> {
    const count = (deferrals.get(promptId) ?? 0) + 1;
    deferrals.set(promptId, count);
    await publish({ kind: 'deferred', promptId, worker: id, reason });
    await job.moveToDelayed(Date.now() + deferralDelay(count), token);
    throw new DelayedError();
  }

  /** Whether this worker lacks something the prompt needs, reading its folders again to be sure. */
  async function lacking(data: PromptJob): Promise<string[]> {
    if (missingRequirements(data.requires, capabilities).length === 0) return [];
    capabilities = await readCapabilities(runtime.registry, runtime.env);
    return missingRequirements(data.requires, capabilities);
  }

  async function execute(data: PromptJob, controller: AbortController): Promise<PromptOutcome> {
    const { promptId } = data;
    const outbox = createPromptOutbox({
      send: (event) => publish({ kind: 'event', promptId, worker: id, event }).then(() => undefined),
      upload: options.sharedFolders ? undefined : uploadWithRetry,
      uploaded,
    });
    const emit = (event: ExecutionEvent) => outbox.push(event);
    let outcome: PromptOutcome;
    try {
      if (!options.sharedFolders) {
        for (const input of data.inputs) await link.syncInput(input, runtime.env.dirs.input);
      }
      const prepared = await preparePrompt({ data: data.prompt, targets: data.targets }, runtime);
      if (!prepared.ok) {
        const message = `the prompt does not validate on worker ${id}: ${prepared.issues.map((i) => i.message).join('; ')}`;
        outcome = failedRun({ promptId, message, errorType: 'invalid_prompt', emit, now: Date.now });
      } else {
        const run = await runPrompt({
          executor: runtime.executor,
          prompt: prepared.value.validated,
          promptId,
          source: { prompt: data.prompt, workflow: data.workflow },
          signal: controller.signal,
          emit,
          now: Date.now,
        });
        outcome = run.outcome;
      }
    } catch (err) {
      log.error('prompt run failed outside the executor', { promptId, message: errorMessage(err) });
      outcome = failedRun({
        promptId,
        message: errorMessage(err),
        errorType: 'internal_error',
        emit,
        now: Date.now,
      });
    }
    await outbox.drain();
    const lost = outbox.failure();
    const outputs = Object.fromEntries(
      Object.entries(outcome.outputs).map(([node, output]) => [
        node,
        renameFiles(output, (ref) => uploaded.get(fileKey(ref)) ?? ref),
      ]),
    );
    if (lost && outcome.status === 'success') {
      return {
        ...outcome,
        outputs,
        status: 'error',
        error: { nodeId: '', classType: '', message: `outputs did not reach the server: ${lost}` },
      };
    }
    return { ...outcome, outputs };
  }

  async function processJob(job: Job, token: string | undefined): Promise<PromptOutcome> {
    const parsed = zPromptJob.safeParse(job.data);
    if (!parsed.success) {
      const message = `job ${job.id} is not a momaflow prompt: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
      return failedRun({
        promptId: typeof job.data?.promptId === 'string' ? job.data.promptId : String(job.id),
        message,
        errorType: 'invalid_job',
        emit: () => {},
        now: Date.now,
      });
    }
    const data = parsed.data;
    const { promptId } = data;
    const missing = await lacking(data);
    if (missing.length > 0) return defer(job, token, promptId, `${id} lacks ${missing.join(', ')}`);
    const warmer =
      options.affinity !== false &&
      preferredWorker({
        requires: data.requires,
        self: advert(),
        adverts: readAdverts(await redis.hgetall(names.workers)),
        now: Date.now(),
      });
    const handed = handOffs.get(promptId) ?? 0;
    if (warmer && handed < MAX_AFFINITY_DEFERRALS) {
      handOffs.set(promptId, handed + 1);
      await job.moveToWait(token);
      await sleep(AFFINITY_HOLD_MS); // keep this slot busy so the warmer worker takes the job
      throw new WaitingError();
    }
    deferrals.delete(promptId);
    handOffs.delete(promptId);
    const controller = new AbortController();
    running.set(promptId, controller);
    try {
      await publish({ kind: 'started', promptId, worker: id });
      void heartbeat();
      const outcome = await execute(data, controller);
      if (outcome.status === 'interrupted' && controller.signal.reason === SHUTDOWN) {
        await job.moveToWait(token); // back at the head of the queue, for another worker now
        throw new WaitingError();
      }
      if (outcome.status === 'success') {
        const keys = modelKeys(data.requires);
        if (keys.length > 0) warm = [...new Set([...keys, ...warm])].slice(0, WARM_LIMIT);
      }
      while (uploaded.size > UPLOADED_LIMIT) uploaded.delete(uploaded.keys().next().value as string);
      return outcome;
    } finally {
      running.delete(promptId);
      void heartbeat();
    }
  }

  const queueConnection = openRedis({ url: options.redisUrl, log, role: 'worker queue' });
  const worker = new Worker(names.queue, processJob, {
    connection: queueConnection,
    prefix: names.prefix,
    name: id,
    concurrency: options.concurrency,
    lockDuration: options.leaseMs,
    stalledInterval: options.leaseMs,
    maxStalledCount: 2,
  });
  const settled = (job: Job | undefined) => {
    const promptId = job && zPromptJob.safeParse(job.data).data?.promptId;
    if (promptId) void publish({ kind: 'settled', promptId, worker: id }).catch(() => undefined);
  };
  worker.on('completed', settled);
  worker.on('failed', settled);
  worker.on('error', (err) => log.warn('queue worker error', { worker: id, reason: errorMessage(err) }));

  let beats = 0;
  const timer = setInterval(() => {
    beats++;
    if (beats % CAPABILITY_REFRESH_BEATS === 0) {
      void readCapabilities(runtime.registry, runtime.env).then((fresh) => {
        capabilities = fresh;
      });
    }
    void heartbeat();
  }, options.heartbeatMs);
  await heartbeat();
  await promoteDeferred(queueConnection, names);
  log.info('momaflow worker ready', { worker: id, concurrency: options.concurrency });

  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    const stopped = worker.close();
    for (const controller of running.values()) controller.abort(SHUTDOWN);
    await stopped;
    clearInterval(timer);
    await redis.hdel(names.workers, id).catch(() => undefined);
    await closeAll([control, redis, queueConnection]);
    log.info('momaflow worker stopped', { worker: id });
  };
  return {
    id,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}
