/**
 * @module
 * Opens ioredis connections for BullMQ and pub/sub. BullMQ wants `maxRetriesPerRequest: null` (its
 * blocking commands wait across reconnects); producers answering HTTP requests turn the offline
 * queue off so a submission fails fast while Redis is away (the prompt is in SQLite and is queued
 * again when Redis is back). Connection errors are logged once per outage, with the URL redacted.
 */
import type { Logger } from '@momaflow/engine';
import { Redis } from 'ioredis';
import { redactRedisUrl } from './redis-url';

export interface RedisConnectOptions {
  readonly url: string;
  readonly log: Logger;
  /** Names the connection in log lines (`server`, `worker events`, ...). */
  readonly role: string;
  /** Queue commands while disconnected (default true); false makes them fail at once. */
  readonly offlineQueue?: boolean;
}

/** How long to wait before reconnecting: quickly at first, then every 2 s at most. */
const retryDelay = (attempt: number) => Math.min(100 * attempt, 2000);

/**
 * @example
 * const redis = openRedis({ url, log, role: 'server' });
 */
export function openRedis(options: RedisConnectOptions): Redis {
  const redis = new Redis(options.url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: options.offlineQueue ?? true,
    retryStrategy: retryDelay,
    connectionName: `momaflow-${options.role.replaceAll(' ', '-')}`,
  });
  const where = { redis: redactRedisUrl(options.url), connection: options.role };
  let down = false;
  const lost = (reason: string) => {
    if (down) return;
    down = true;
    options.log.warn('redis connection lost; reconnecting', { ...where, reason });
  };
  redis.on('error', (err: Error) => lost(err.message));
  redis.on('reconnecting', () => lost('the connection closed'));
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    options.log.info('redis connection back', where);
  });
  return redis;
}

/**
 * Resolves once `redis` answers; throws, naming the URL without its password, after `timeoutMs`.
 * @example
 * await reachable(redis, { url, timeoutMs: 10_000 });
 */
export async function reachable(redis: Redis, options: { url: string; timeoutMs: number }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const answered = await Promise.race([
    redis.ping().then(() => true),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), options.timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!answered) {
    throw new Error(`cannot reach Redis at ${redactRedisUrl(options.url)} within ${options.timeoutMs} ms`);
  }
}

/** Closes connections: politely when they are up, at once otherwise (a queued QUIT would wait forever). */
export async function closeAll(connections: readonly Redis[]): Promise<void> {
  await Promise.all(
    connections.map(async (c) => {
      if (c.status !== 'ready') return c.disconnect();
      await c.quit().catch(() => c.disconnect());
    }),
  );
}
