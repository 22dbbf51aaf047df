/**
 * @module
 * What `startServer` runs in cluster mode instead of the local queue and worker loop: the cluster
 * queue (the API's queue and interrupter) and the routes workers call, with the worker token.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from '@momaflow/engine';
import type { AppDeps, SecurityOptions } from '../http/app-env';
import type { WorkerHooks } from '../queue';
import type { Runtime } from '../runtime';
import type { PromptStore } from '../store';
import { clusterNames } from './cluster-names';
import type { ClusterServerOptions } from './cluster-options';
import { type ClusterQueue, openClusterQueue } from './cluster-queue';
import { createClusterRoutes } from './cluster-routes';

export interface ClusterBackend {
  readonly queue: ClusterQueue;
  readonly cluster: NonNullable<AppDeps['cluster']>;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/**
 * @example
 * const { queue, cluster } = await openClusterBackend({ options, store, runtime, hooks, log, security,
 *   maxUploadBytes, listening: () => ({ url, host, port }) });
 */
export async function openClusterBackend(deps: {
  readonly options: ClusterServerOptions;
  readonly store: PromptStore;
  readonly runtime: Runtime;
  readonly hooks: WorkerHooks;
  readonly log: Logger;
  readonly security: SecurityOptions;
  readonly maxUploadBytes: number;
  /** Where the server listens, once it does. */
  readonly listening: () => { readonly url: string; readonly host: string; readonly port: number };
}): Promise<ClusterBackend> {
  const { options } = deps;
  const workerToken = options.workerToken ?? randomBytes(24).toString('base64url');
  const advertisedUrl = () => {
    const { url, host, port } = deps.listening();
    // A wildcard bind is reached from other machines by this machine's name, not by loopback.
    return options.advertiseUrl ?? (WILDCARD_HOSTS.has(host) ? `http://${os.hostname()}:${port}` : url);
  };
  const queue = await openClusterQueue({
    redisUrl: options.redisUrl,
    names: clusterNames(options.namespace),
    store: deps.store,
    runtime: deps.runtime,
    hooks: deps.hooks,
    log: deps.log,
    workerToken,
    advertisedUrl,
    reconcileMs: options.reconcileMs,
  });
  const routes = createClusterRoutes({
    dirs: deps.runtime.env.dirs,
    workerToken,
    security: deps.security,
    maxUploadBytes: deps.maxUploadBytes,
  });
  return { queue, cluster: { routes, describe: () => queue.describe() } };
}
