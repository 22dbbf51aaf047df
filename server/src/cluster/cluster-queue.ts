/**
 * @module
 * The server's side of a cluster: the API's queue backed by a BullMQ queue in Redis. Submissions are
 * written to SQLite first (the server's record, as in single-process mode), then added as jobs; the
 * workers' notices on the events channel move prompts to running and relay their events to the
 * WebSocket clients unchanged; a prompt's outcome is read from its completed BullMQ job (completed
 * once, by the worker holding its lease) and recorded in history exactly once. A reconcile pass
 * every `reconcileMs` repairs what notices missed: it queues again the jobs Redis lost, records
 * outcomes whose notice was lost, follows jobs that moved to another worker after a lease ran out,
 * and removes jobs of prompts that were deleted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  errorMessage,
  type Logger,
  type NodeEnv,
  type NodeRegistry,
  type ValidatedPrompt,
} from '@momaflow/engine';
import { type Job, Queue } from 'bullmq';
import {
  failedRun,
  preparePrompt,
  type QueueApi,
  type QueueItem,
  type QueueState,
  queueItem,
  type WorkerHooks,
} from '../queue';
import {
  interruptedOutcome,
  type PromptOutcome,
  type PromptStore,
  type StoredPrompt,
  zPromptOutcome,
} from '../store';
import { type ClusterEntry, clusterEntry, entriesState } from './cluster-entries';
import { type ClusterListing, clusterListing } from './cluster-listing';
import { type ClusterMessage, type ControlMessage, decodeClusterMessage } from './cluster-message';
import { type ClusterNames, clusterNames } from './cluster-names';
import { type InputFile, jobIdOf, promptJob } from './prompt-job';
import { promptInputFiles, promptRequirements } from './prompt-requirements';
import { closeAll, openRedis, reachable } from './redis-connection';
import { redactRedisUrl } from './redis-url';
import { readAdverts, type WorkerAdvert } from './worker-advert';

export interface ClusterQueueOptions {
  readonly redisUrl: string;
  readonly names?: ClusterNames;
  readonly store: PromptStore;
  readonly runtime: { readonly registry: NodeRegistry; readonly env: NodeEnv };
  readonly hooks: WorkerHooks;
  readonly log: Logger;
  /** What workers present on their calls to the server. */
  readonly workerToken: string;
  /** The server's URL as workers reach it (known once it listens). */
  readonly advertisedUrl: () => string;
  readonly reconcileMs: number;
  /** How long to wait for Redis at start before giving up. */
  readonly connectTimeoutMs?: number;
  readonly now?: () => number;
}

/** The API's queue and interrupter for a cluster, with the lifecycle of its Redis side. */
export interface ClusterQueue extends QueueApi {
  /** Interrupts a running prompt wherever it runs (all running prompts without an id). */
  interrupt(id?: string): string | undefined;
  describe(): ClusterListing;
  /** Advertises the server, listens to workers and starts reconciling. */
  start(): void;
  stop(): Promise<void>;
}

/** Every state a job of ours can be in, read one list at a time so each job's state is known. */
const JOB_STATES = ['active', 'waiting', 'prioritized', 'delayed', 'completed', 'failed'] as const;
type JobState = (typeof JOB_STATES)[number];

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function toItem(stored: StoredPrompt): QueueItem {
  const { id, number, clientId, prompt, workflow, targets, extra } = stored;
  return { id, number, clientId, prompt, workflow, targets, extra };
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/**
 * @example
 * const cluster = await openClusterQueue({ redisUrl, store, runtime, hooks, log, workerToken,
 *   advertisedUrl: () => server.url, reconcileMs: 1000 });
 * cluster.start();
 */
export async function openClusterQueue(options: ClusterQueueOptions): Promise<ClusterQueue> {
  const { store, hooks, log } = options;
  const names = options.names ?? clusterNames();
  const now = options.now ?? Date.now;
  const redis = openRedis({ url: options.redisUrl, log, role: 'server' });
  const subscriber = openRedis({ url: options.redisUrl, log, role: 'server events' });
  const connection = openRedis({ url: options.redisUrl, log, role: 'server queue', offlineQueue: false });
  const queue = new Queue(names.queue, { connection, prefix: names.prefix });
  queue.on('error', () => undefined); // the connection logs outages once; each failed call is handled

  try {
    await reachable(redis, {
      url: options.redisUrl,
      timeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    });
  } catch (err) {
    await queue.close().catch(() => undefined);
    await closeAll([redis, subscriber, connection]);
    throw err;
  }

  const entries = new Map<string, ClusterEntry>();
  const listeners = new Set<(state: QueueState) => void>();
  let adverts: WorkerAdvert[] = [];
  let counter = store.maxNumber();
  // Adds run one after another, so BullMQ keeps submission order.
  let adds: Promise<void> = Promise.resolve();

  const at = now();
  for (const stored of store.queued()) entries.set(stored.id, clusterEntry(toItem(stored), 'pending', at));
  for (const stored of store.running()) entries.set(stored.id, clusterEntry(toItem(stored), 'running', at));

  const notify = () => {
    const state = entriesState(entries.values());
    for (const listener of listeners) listener(state);
  };
  const control = (message: ControlMessage) =>
    void redis.publish(names.control, JSON.stringify(message)).catch(() => undefined);

  async function inputFiles(validated: ValidatedPrompt): Promise<InputFile[]> {
    const dir = options.runtime.env.dirs.input;
    return Promise.all(
      promptInputFiles(validated).map(async (name) => ({
        name,
        sha256: await sha256Of(path.join(dir, name)),
      })),
    );
  }

  /** Builds and adds the prompt's job; a prompt that no longer validates ends as an error here. */
  async function addJob(entry: ClusterEntry, validated: ValidatedPrompt | undefined): Promise<void> {
    const { item } = entry;
    let checked = validated;
    if (!checked) {
      const prepared = await preparePrompt({ data: item.prompt, targets: item.targets }, options.runtime);
      if (!prepared.ok) {
        const message = `the prompt no longer validates: ${prepared.issues.map((i) => i.message).join('; ')}`;
        const emit = (event: Parameters<WorkerHooks['onEvent']>[0]) => hooks.onEvent(event, item);
        record(entry, failedRun({ promptId: item.id, message, errorType: 'invalid_prompt', emit, now }));
        return;
      }
      checked = prepared.value.validated;
    }
    const requires = promptRequirements(checked);
    entry.requires = requires;
    const data = promptJob(item, requires, await inputFiles(checked));
    if (entries.get(item.id) !== entry) return; // deleted meanwhile
    await queue.add('prompt', data, { jobId: jobIdOf(item), lifo: item.number < 0 });
  }

  function queueJob(entry: ClusterEntry, validated?: ValidatedPrompt) {
    adds = adds
      .then(() => addJob(entry, validated))
      .catch((err: unknown) => {
        // Redis away: the prompt is in SQLite, and the next reconcile pass adds it.
        log.debug('prompt not queued in redis yet', { promptId: entry.item.id, reason: errorMessage(err) });
      });
  }

  const removeJob = (item: QueueItem) => void queue.remove(jobIdOf(item)).catch(() => undefined);

  /** Records the outcome once: the first of a worker's notice and a reconcile pass wins. */
  function record(entry: ClusterEntry, outcome: PromptOutcome) {
    if (entries.get(entry.item.id) !== entry) return;
    entries.delete(entry.item.id);
    store.finish(entry.item.id, outcome);
    hooks.onSettled(entry.item, outcome);
    notify();
    removeJob(entry.item);
  }

  function outcomeOfJob(entry: ClusterEntry, job: Job, state: JobState): PromptOutcome | undefined {
    if (state === 'completed') {
      const parsed = zPromptOutcome.safeParse(job.returnvalue);
      if (parsed.success) return parsed.data;
      log.error('a worker reported an unreadable outcome', {
        promptId: entry.item.id,
        worker: job.processedBy,
      });
      return lostOutcome(entry, `the worker's report could not be read`);
    }
    if (state === 'failed') return lostOutcome(entry, job.failedReason || 'the job failed');
    return undefined;
  }

  function lostOutcome(entry: ClusterEntry, reason: string): PromptOutcome {
    const emit = (event: Parameters<WorkerHooks['onEvent']>[0]) => hooks.onEvent(event, entry.item);
    return failedRun({ promptId: entry.item.id, message: reason, errorType: 'worker_failed', emit, now });
  }

  function markRunning(entry: ClusterEntry, worker: string) {
    if (entry.status === 'pending') store.markRunning(entry.item.id, now());
    entry.status = 'running';
    entry.worker = worker;
    entry.reasons.clear();
    entry.changedAt = now();
    notify();
  }

  async function settle(promptId: string) {
    const entry = entries.get(promptId);
    if (!entry) return;
    const job = await queue.getJob(jobIdOf(entry.item));
    const state = job ? await job.getState() : undefined;
    if (job && (state === 'completed' || state === 'failed')) {
      const outcome = outcomeOfJob(entry, job, state);
      if (outcome) record(entry, outcome);
    }
  }

  function onMessage(message: ClusterMessage) {
    const entry = entries.get(message.promptId);
    switch (message.kind) {
      case 'started':
        // A worker took a prompt that was deleted or already finished: stop that run.
        if (!entry) control({ kind: 'interrupt', promptId: message.promptId });
        else markRunning(entry, message.worker);
        return;
      case 'event':
        // Only the worker holding the prompt speaks for it (not one whose lease ran out).
        if (entry?.status === 'running' && entry.worker === message.worker)
          hooks.onEvent(message.event, entry.item);
        return;
      case 'deferred':
        entry?.reasons.set(message.worker, message.reason);
        return;
      case 'settled':
        void settle(message.promptId).catch((err: unknown) =>
          log.debug('outcome not read yet', { promptId: message.promptId, reason: errorMessage(err) }),
        );
        return;
    }
  }

  async function jobsByState(): Promise<Map<string, { job: Job; state: JobState }>> {
    const found = new Map<string, { job: Job; state: JobState }>();
    for (const state of JOB_STATES) {
      for (const job of await queue.getJobs([state])) if (job?.id) found.set(job.id, { job, state });
    }
    return found;
  }

  async function reconcile() {
    const snapshotAt = now();
    adverts = readAdverts(await redis.hgetall(names.workers));
    const jobs = await jobsByState();
    let missing = false;
    for (const entry of [...entries.values()]) {
      const id = jobIdOf(entry.item);
      const found = jobs.get(id);
      jobs.delete(id);
      if (!found) {
        missing = true;
        if (entry.changedAt < snapshotAt) queueJob(entry); // newer ones are being added right now
        continue;
      }
      const outcome = outcomeOfJob(entry, found.job, found.state);
      if (outcome) record(entry, outcome);
      else if (entry.changedAt >= snapshotAt)
        continue; // a notice arrived while we read Redis
      else if (found.state === 'active' && found.job.processedBy && entry.worker !== found.job.processedBy) {
        markRunning(entry, found.job.processedBy);
      } else if (found.state !== 'active' && entry.status === 'running') {
        // Its worker stopped or died: the job is waiting for another one.
        store.returnToQueue(entry.item.id);
        entry.status = 'pending';
        entry.worker = undefined;
        entry.changedAt = now();
        notify();
      }
    }
    for (const { job, state } of jobs.values()) {
      // A job whose prompt was deleted or finished: stop it where it runs, drop it otherwise.
      const promptId = typeof job.data?.promptId === 'string' ? job.data.promptId : undefined;
      if (state === 'active' && promptId) control({ kind: 'interrupt', promptId });
      else if (state !== 'active') await job.remove().catch(() => undefined);
    }
    if (missing) log.debug('queued prompts missing from redis were added again');
  }

  let reconciling: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const cluster: ClusterQueue = {
    state: () => entriesState(entries.values()),
    enqueue(request) {
      counter += 1;
      const item = queueItem(request, counter);
      store.insert(item, now());
      const entry = clusterEntry(item, 'pending', now());
      entries.set(item.id, entry);
      notify();
      queueJob(entry, request.validated);
      return item;
    },
    cancel(id) {
      const entry = entries.get(id);
      if (entry?.status !== 'pending') return false;
      record(entry, interruptedOutcome(id, now()));
      return true;
    },
    remove(ids) {
      const pending = ids.filter((id) => entries.get(id)?.status === 'pending');
      const removed = store.deleteQueued(pending);
      for (const id of removed) {
        const entry = entries.get(id);
        entries.delete(id);
        if (entry) removeJob(entry.item);
      }
      if (removed.length > 0) notify();
      return removed;
    },
    clear: () => cluster.remove(entriesState(entries.values()).pending.map((item) => item.id)),
    requeue(id) {
      counter += 1;
      if (!store.requeue(id, counter, now())) return undefined;
      const stored = store.get(id);
      if (!stored) return undefined;
      const entry = clusterEntry(toItem(stored), 'pending', now());
      entries.set(id, entry);
      notify();
      queueJob(entry);
      return entry.item;
    },
    lookup: (id) => store.get(id),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    interrupt(id) {
      const running = entriesState(entries.values()).running.map((item) => item.id);
      const target = id === undefined ? running[0] : running.find((r) => r === id);
      if (target === undefined) return undefined;
      control({ kind: 'interrupt', promptId: id ?? null });
      return target;
    },
    describe: () => clusterListing(entries.values(), adverts, now()),
    start() {
      void redis
        .hset(names.server, { url: options.advertisedUrl(), token: options.workerToken })
        .catch((err: unknown) => log.warn('could not advertise the server', { reason: errorMessage(err) }));
      subscriber.on('messageBuffer', (_channel: Buffer, buffer: Buffer) => {
        const decoded = decodeClusterMessage(buffer);
        if (decoded.ok) onMessage(decoded.message);
        else log.warn('unreadable cluster message', { reason: decoded.reason });
      });
      void subscriber.subscribe(names.events).catch(() => undefined); // re-subscribed on reconnect
      const tick = () => {
        pass = reconcile()
          .catch((err: unknown) => log.debug('reconcile pass failed', { reason: errorMessage(err) }))
          .finally(() => {
            if (reconciling) reconciling = setTimeout(tick, options.reconcileMs);
          });
      };
      reconciling = setTimeout(tick, 0);
      log.info('cluster queue ready', {
        redis: redactRedisUrl(options.redisUrl),
        queue: `${names.prefix}:${names.queue}`,
      });
    },
    async stop() {
      clearTimeout(reconciling);
      reconciling = undefined;
      await pass;
      await adds;
      await queue.close().catch(() => undefined);
      await closeAll([redis, subscriber, connection]);
    },
  };
  return cluster;
}
