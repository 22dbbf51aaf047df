/**
 * @module
 * `createNodeEnv`: the environment an application hands its nodes. Apart from the types in
 * `node-env.ts` so that the browser-safe protocol entry, which reaches those types, does not reach the
 * thread-count default (Node's `os` and `fs`).
 */
import type { Logger } from '../log';
import { resolveThreadCount } from '../onnx/compute-threads';
import { resolveSessionRam } from '../onnx/session-ram';
import type { ComputeSettings, Directories, NodeEnv, ResourceKey } from './node-env';

function hasDispose(value: unknown): value is { dispose(): unknown } {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'dispose') === 'function';
}

/** Options of `createNodeEnv`. */
export interface NodeEnvOptions {
  readonly dirs: Directories;
  readonly log: Logger;
  /** Default: the process's thread count and session RAM budget (`resolveThreadCount`, `resolveSessionRam`). */
  readonly compute?: Partial<ComputeSettings>;
}

/**
 * @example
 * const env = createNodeEnv({ dirs, log, compute: { threads: 2 } });
 */
export function createNodeEnv(options: NodeEnvOptions): NodeEnv {
  const resources = new Map<ResourceKey<unknown>, unknown>();
  const env: NodeEnv = {
    dirs: options.dirs,
    log: options.log,
    compute: Object.freeze({
      threads: options.compute?.threads ?? resolveThreadCount().threads,
      sessionRamBytes: options.compute?.sessionRamBytes ?? resolveSessionRam().bytes,
    }),
    resource<T>(key: ResourceKey<T>): T {
      if (!resources.has(key)) resources.set(key, key.create(env));
      return resources.get(key) as T;
    },
    async dispose() {
      const values = [...resources.values()];
      resources.clear();
      for (const value of values) if (hasDispose(value)) await value.dispose();
    },
  };
  return env;
}
