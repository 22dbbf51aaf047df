/**
 * @module
 * The cluster settings of `serve --queue` and `momaflow worker`, checked with zod (they come from the
 * command line). Lease and heartbeat are short enough that a dead worker's prompt moves on within a
 * minute, and long enough that a busy machine renews its leases in time.
 */
import { z } from 'zod';
import { DEFAULT_NAMESPACE } from './cluster-names';
import { zRedisUrl } from './redis-url';

const zToken = z.string().min(8, 'the worker token must have at least 8 characters').max(1024);

export const zClusterServerOptions = z.object({
  redisUrl: zRedisUrl,
  /** Keys and channels under this name, so clusters can share a Redis. */
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default(DEFAULT_NAMESPACE),
  /** What workers present to the server (default: a random one, advertised to workers in Redis). */
  workerToken: zToken.optional(),
  /** The server's URL as workers reach it (default: the URL it listens on). */
  advertiseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** How often the server checks Redis for what workers' notices missed. */
  reconcileMs: z.number().int().min(50).max(60_000).default(1000),
});
export type ClusterServerOptions = z.output<typeof zClusterServerOptions>;

export const zClusterWorkerOptions = z.object({
  redisUrl: zRedisUrl,
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default(DEFAULT_NAMESPACE),
  concurrency: z.number().int().min(1).max(64).default(1),
  /** After this long without a renewal, a job moves to another worker (its worker died). */
  leaseMs: z.number().int().min(500).max(600_000).default(30_000),
  heartbeatMs: z.number().int().min(100).max(60_000).default(2000),
  sharedFolders: z.boolean().default(false),
  /** Leave a prompt to a free worker that has its models loaded. */
  affinity: z.boolean().default(true),
  serverUrl: z.url({ protocol: /^https?$/ }).optional(),
  workerToken: zToken.optional(),
});
export type ClusterWorkerSettings = z.output<typeof zClusterWorkerOptions>;
