/**
 * @module
 * What the application hands every node: its folders, a logger, how to run models (`compute`), and
 * lazily created shared resources (session caches, model caches). Resources live in the environment,
 * never in module globals, so two executors in one process don't share hidden state.
 */
import type { Logger } from '../log';

export interface Directories {
  readonly input: string;
  readonly output: string;
  readonly temp: string;
  readonly models: string;
}

/** How the environment's resources run models: every session they create gets these explicitly. */
export interface ComputeSettings {
  /** Threads of one onnxruntime operator (`resolveThreadCount`: `--threads`, `MOMAFLOW_THREADS`, cores). */
  readonly threads: number;
  /**
   * RAM budget in bytes of the sessions a resource keeps open (`SessionCache`'s `maxBytes`): a server
   * keeps idle ones for later prompts within it (`resolveSessionRam`); `momaflow run`, one prompt per
   * process, gives 0, so idle sessions close before another is created and peak memory is one model's.
   */
  readonly sessionRamBytes: number;
}

/** A typed key for a shared resource and the factory that makes it on first use. */
export interface ResourceKey<T> {
  readonly id: string;
  readonly create: (env: NodeEnv) => T;
}

export interface NodeEnv {
  readonly dirs: Directories;
  readonly log: Logger;
  readonly compute: ComputeSettings;
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
