/**
 * @module
 * What the application hands every node: its folders, a logger, and lazily created shared resources
 * (session caches, model caches). Resources live in the environment, never in module globals, so two
 * executors in one process don't share hidden state.
 */
import type { Logger } from '../log';

export interface Directories {
  readonly input: string;
  readonly output: string;
  readonly temp: string;
  readonly models: string;
}

/** A typed key for a shared resource and the factory that makes it on first use. */
export interface ResourceKey<T> {
  readonly id: string;
  readonly create: (env: NodeEnv) => T;
}

export interface NodeEnv {
  readonly dirs: Directories;
  readonly log: Logger;
  /** The environment's single instance of a resource, created on first use. */
  resource<T>(key: ResourceKey<T>): T;
  /** Disposes every created resource that has a `dispose()` method. */
  dispose(): Promise<void>;
}

/**
 * @example
 * const SESSIONS = defineResource('onnx.sessions', () => createSessionCache({ max: 4 }));
 * const sessions = ctx.env.resource(SESSIONS);
 */
export function defineResource<T>(id: string, create: (env: NodeEnv) => T): ResourceKey<T> {
  return { id, create };
}

function hasDispose(value: unknown): value is { dispose(): unknown } {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'dispose') === 'function';
}

export function createNodeEnv(options: { dirs: Directories; log: Logger }): NodeEnv {
  const resources = new Map<ResourceKey<unknown>, unknown>();
  const env: NodeEnv = {
    dirs: options.dirs,
    log: options.log,
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
