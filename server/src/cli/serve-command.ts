/**
 * @module
 * `momaflow serve`: starts the HTTP API + WebSocket server and keeps it running until SIGINT/SIGTERM.
 */
import { type ServerOptions, startServer } from '../serve';
import type { CliIo } from './cli-io';

export interface ServeArgs {
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly authToken: string | undefined;
  readonly data: string;
  readonly corsOrigins: readonly string[];
  readonly threads?: number | undefined;
  /** `--cache-ram` in bytes; undefined: `MOMAFLOW_CACHE_RAM` or derived from the memory. */
  readonly cacheRamBytes?: number | undefined;
  /** Cluster mode (`--queue`): prompts go to `momaflow worker` processes through Redis. */
  readonly cluster?: ServerOptions['cluster'];
  readonly disableCustomNodes?: boolean;
}

export interface ServeHooks {
  /** Resolves when the server should stop (default: on SIGINT or SIGTERM). */
  readonly stopped: Promise<void>;
}

/** Resolves on SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

export async function serveCommand(
  args: ServeArgs,
  io: CliIo,
  hooks: ServeHooks = { stopped: untilSignal() },
): Promise<number> {
  const server = await startServer({
    ...(args.host !== undefined ? { host: args.host } : {}),
    ...(args.port !== undefined ? { port: args.port } : {}),
    ...(args.authToken !== undefined ? { authToken: args.authToken } : {}),
    dataDir: args.data,
    corsOrigins: [...args.corsOrigins],
    ...(args.threads !== undefined ? { threads: args.threads } : {}),
    ...(args.cacheRamBytes !== undefined ? { cacheRamBytes: args.cacheRamBytes } : {}),
    ...(args.cluster ? { cluster: args.cluster } : {}),
    disableCustomNodes: args.disableCustomNodes ?? false,
    log: io.log,
  });
  const editorUrl = `${server.url}/${args.authToken === undefined ? '' : '?token=<your auth token>'}`;
  io.write(
    `momaflow is listening on ${server.url} (API under ${server.url}/api, WebSocket at ${server.url}/ws)\n` +
      `open ${editorUrl} in a browser\n`,
  );
  await hooks.stopped;
  io.write('stopping...\n');
  await server.close();
  return 0;
}
