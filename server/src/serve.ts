/**
 * @module
 * `startServer`: wires the runtime, the SQLite store, the queue and its worker, the WebSocket hub and
 * the Hono app (API, events and the built editor) onto one HTTP port, and returns a handle whose
 * `close()` shuts it down gracefully (the running prompt goes back to the queue and runs again on the
 * next start).
 */
import { access } from 'node:fs/promises';
import { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { EngineError, type Logger, ok, SILENT_LOGGER } from '@momaflow/engine';
import { WebSocketServer } from 'ws';
import packageJson from '../package.json' with { type: 'json' };
import { openClusterBackend } from './cluster/cluster-backend';
import { allowedHosts, createApp, EDITOR_BUILD_COMMAND, isLoopbackHost, ownOrigins } from './http';
import { promptDoneMessage, statusMessage, toWireMessage } from './protocol';
import {
  createPromptQueue,
  createPromptWorker,
  preparePrompt,
  queueRemaining,
  type WorkerHooks,
} from './queue';
import { createRuntime, type Runtime } from './runtime';
import { type ServerOptions, zServerOptions } from './server-options';
import { openPromptStore, type PromptStore } from './store';
import { createClientHub } from './ws';

export type { ServerOptions } from './server-options';
export { DEFAULT_PORT } from './server-options';

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8188`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting requests, returns the running prompt to the queue, closes sockets and the database. */
  close(): Promise<void>;
}

const DEFAULT_EXAMPLES_DIR = fileURLToPath(new URL('../../workflows', import.meta.url));
/** Vite's output for `editor/`, beside this package in the repository. */
const DEFAULT_EDITOR_DIR = fileURLToPath(new URL('../../editor/dist', import.meta.url));
/** The database file inside the data folder. */
export const DATABASE_FILE = 'momaflow.sqlite';

async function isEditorBuilt(editorDir: string): Promise<boolean> {
  return access(path.join(editorDir, 'index.html')).then(
    () => true,
    () => false,
  );
}

/**
 * The single-process queue in SQLite and its worker loop; prompts a previous process left running
 * come back as interrupted.
 */
function localBackend(deps: { store: PromptStore; runtime: Runtime; hooks: WorkerHooks; log: Logger }) {
  const { runtime, log } = deps;
  const queue = createPromptQueue({ store: deps.store });
  for (const id of queue.recovered)
    log.warn('prompt was running when the server stopped; marked interrupted', { promptId: id });
  const worker = createPromptWorker({
    queue,
    executor: runtime.executor,
    log,
    prepare: async (item) => {
      const prepared = await preparePrompt({ data: item.prompt, targets: item.targets }, runtime);
      return prepared.ok ? ok(prepared.value.validated) : prepared;
    },
    hooks: deps.hooks,
  });
  return { queue, worker };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * @example
 * const server = await startServer({ host: '127.0.0.1', port: 8188, dataDir: './data', authToken });
 * console.log(`listening on ${server.url}`);
 * process.on('SIGINT', () => server.close());
 */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const parsed = zServerOptions.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError(
      'invalid_server_options',
      `${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const config = parsed.data;
  const log = options.log ?? SILENT_LOGGER;
  const dataDir = path.resolve(config.dataDir);
  const runtime = await createRuntime({
    root: dataDir,
    log,
    threads: config.threads,
    cacheRamBytes: config.cacheRamBytes,
    disableCustomNodes: config.disableCustomNodes,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const store = openPromptStore({ file: path.join(dataDir, DATABASE_FILE) });
  const hub = createClientHub({
    previewBufferBytes: config.limits.wsPreviewBufferBytes,
    maxBufferBytes: config.limits.wsMaxBufferBytes,
  });
  const hooks: WorkerHooks = {
    onEvent(event, item) {
      hub.sendPromptMessage(item.clientId, toWireMessage(event));
      if (event.type === 'progress' && event.preview) hub.sendPromptPreview(item.clientId, event.preview);
    },
    onSettled(item, outcome) {
      if (outcome) hub.sendPromptMessage(item.clientId, promptDoneMessage(item.id));
    },
  };
  let address: AddressInfo | undefined;
  const bound = () => ({ host: config.host, port: address?.port ?? config.port });
  const security = {
    ...(config.authToken ? { authToken: config.authToken } : {}),
    corsOrigins: config.corsOrigins,
    ownOrigins: () => ownOrigins(bound()),
    allowedHosts: () => allowedHosts(bound()),
  };
  const backend = config.cluster
    ? await openClusterBackend({
        options: config.cluster,
        store,
        runtime,
        hooks,
        log,
        security,
        maxUploadBytes: config.limits.maxUploadBytes,
        listening: () => ({ ...bound(), url: `http://${urlHost(config.host)}:${bound().port}` }),
      }).catch(async (err: unknown) => {
        store.close();
        await runtime.dispose();
        throw err;
      })
    : undefined;
  const { queue, worker } = backend
    ? { queue: backend.queue, worker: backend.queue }
    : localBackend({ store, runtime, hooks, log });
  // Coalesce status frames: a burst of 200 submissions announces the queue size once, not 200 times.
  let statusTimer: NodeJS.Immediate | undefined;
  queue.onChange(() => {
    statusTimer ??= setImmediate(() => {
      statusTimer = undefined;
      hub.broadcast(statusMessage(queueRemaining(queue.state())));
    });
  });

  const editorDir = config.editorDir ? path.resolve(config.editorDir) : DEFAULT_EDITOR_DIR;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.limits.wsMaxMessageBytes,
    perMessageDeflate: false,
  });
  const app = createApp({
    registry: runtime.registry,
    packs: runtime.packs,
    env: runtime.env,
    dirs: runtime.env.dirs,
    queue,
    store,
    worker,
    hub,
    workflowsDir: path.join(dataDir, 'user', 'workflows'),
    examplesDir: config.examplesDir ? path.resolve(config.examplesDir) : DEFAULT_EXAMPLES_DIR,
    editorDir,
    security,
    limits: config.limits,
    ...(backend ? { cluster: backend.cluster } : {}),
    log,
    version: packageJson.version,
    startedAt: Date.now(),
  });
  const server = createAdaptorServer({ fetch: app.fetch, websocket: { server: wss } });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    await worker.stop();
    store.close();
    await runtime.dispose();
    throw err;
  });
  address = server.address() as AddressInfo;
  if (!isLoopbackHost(config.host) && !config.authToken) {
    log.warn(
      'listening beyond loopback without an auth token: anyone who can reach the port can run prompts',
      {
        host: config.host,
      },
    );
  }
  // Not fatal: the API works without the editor, and `/` explains how to build it.
  if (!(await isEditorBuilt(editorDir))) {
    log.warn(`the editor is not built; run '${EDITOR_BUILD_COMMAND}' to serve it at /`, { editorDir });
  }
  worker.start();
  const url = `http://${urlHost(config.host)}:${address.port}`;
  log.info('momaflow server listening', { url, dataDir });

  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (server instanceof Server) server.closeIdleConnections();
    await worker.stop();
    if (statusTimer) clearImmediate(statusTimer);
    hub.closeAll(1001, 'server shutting down');
    if (server instanceof Server) server.closeAllConnections();
    await closed;
    store.close();
    await runtime.dispose();
    log.info('momaflow server stopped', { url });
  };
  return {
    url,
    host: config.host,
    port: address.port,
    close: () => {
      closing ??= shutdown();
      return closing;
    },
  };
}
