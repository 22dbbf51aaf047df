/**
 * @module
 * What both the CLI and the server run on: the node registry (built-ins plus node packs), the node
 * environment (folders, logger, shared resources) and the executor with its cache.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  createExecutor,
  createNodeEnv,
  createPackSandbox,
  type Directories,
  describePackReport,
  type Executor,
  type Logger,
  loadNodePacks,
  type NodeEnv,
  type NodeRegistry,
  type PackReport,
  resolveSessionRam,
  resolveThreadCount,
} from '@momaflow/engine';
import { createBuiltinRegistry } from '@momaflow/nodes';

export interface RuntimeOptions {
  /** Folder holding input/, output/, temp/ and models/ unless overridden one by one. */
  readonly root: string;
  readonly dirs?: Partial<Directories>;
  readonly log: Logger;
  readonly registry?: NodeRegistry;
  /** Custom node packs (ComfyUI's `custom_nodes`): default `<root>/custom_nodes`. */
  readonly nodePacksDir?: string;
  /** Threads per onnxruntime operator; default `MOMAFLOW_THREADS`, else the cores (`resolveThreadCount`). */
  readonly threads?: number | undefined;
  /**
   * RAM budget in bytes of the model sessions kept open for later prompts (`--cache-ram`); default
   * `MOMAFLOW_CACHE_RAM`, else derived from the memory (`resolveSessionRam`). `momaflow run` runs one
   * prompt and gives 0.
   */
  readonly cacheRamBytes?: number | undefined;
  /** Load no custom node packs (`momaflow serve --disable-custom-nodes`). */
  readonly disableCustomNodes?: boolean;
}

export interface Runtime {
  readonly registry: NodeRegistry;
  readonly env: NodeEnv;
  readonly executor: Executor;
  /** What loading did with each custom node pack (loaded, disabled, incompatible, failed and why). */
  readonly packs: readonly PackReport[];
  dispose(): Promise<void>;
}

export function resolveDirectories(root: string, overrides: Partial<Directories> = {}): Directories {
  const at = (name: keyof Directories) => path.resolve(overrides[name] ?? path.join(root, name));
  return { input: at('input'), output: at('output'), temp: at('temp'), models: at('models') };
}

/**
 * @example
 * const runtime = await createRuntime({ root: process.cwd(), log });
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const dirs = resolveDirectories(options.root, options.dirs);
  await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
  const compute = resolveThreadCount({ option: options.threads });
  options.log.debug('onnxruntime threads per operator', { ...compute });
  const sessionRam = resolveSessionRam({ option: options.cacheRamBytes });
  options.log.debug('RAM budget of cached model sessions', { ...sessionRam });
  const env = createNodeEnv({
    dirs,
    log: options.log,
    compute: { threads: compute.threads, sessionRamBytes: sessionRam.bytes },
  });
  const registry = options.registry ?? createBuiltinRegistry();
  const loaded = options.disableCustomNodes
    ? { packs: [], dispose: async () => {} }
    : await loadNodePacks(registry, {
        dir: path.resolve(options.nodePacksDir ?? path.join(options.root, 'custom_nodes')),
        sandbox: createPackSandbox({ dirs, log: options.log, threads: compute.threads }),
      });
  for (const pack of loaded.packs) {
    if (pack.status === 'loaded' || pack.status === 'disabled')
      options.log.info(`node pack ${describePackReport(pack)}`);
    else options.log.warn(`node pack ${describePackReport(pack)}`, { folder: pack.folder });
  }
  const executor = createExecutor({ env, log: options.log });
  return {
    registry,
    env,
    executor,
    packs: loaded.packs,
    dispose: async () => {
      await loaded.dispose();
      await env.dispose();
    },
  };
}
