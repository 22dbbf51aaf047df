/**
 * @module
 * Starts the real server for a test: loopback, port 0, a fresh data folder, the built-in nodes plus
 * the test pack. `restart()` closes it and starts another on the same data folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBuiltinRegistry } from '@momaflow/nodes';
import { type RunningServer, type ServerOptions, startServer } from '@momaflow/server';
import { createTestPack, type TestPack } from './test-pack';

export interface TestServer {
  readonly dataDir: string;
  readonly pack: TestPack;
  readonly server: RunningServer;
  readonly url: string;
  restart(): Promise<TestServer>;
  /** Closes the server and deletes the data folder. */
  dispose(): Promise<void>;
}

type Extra = Omit<ServerOptions, 'host' | 'port' | 'dataDir' | 'registry'>;

async function start(dataDir: string, pack: TestPack, extra: Extra): Promise<TestServer> {
  const registry = createBuiltinRegistry();
  registry.register(pack.nodes, { pack: 'e2e-test' });
  const server = await startServer({ ...extra, host: '127.0.0.1', port: 0, dataDir, registry });
  return {
    dataDir,
    pack,
    server,
    url: server.url,
    async restart() {
      await server.close();
      return start(dataDir, pack, extra);
    },
    async dispose() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestServer(extra: Extra = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'momaflow-e2e-')));
  return start(dir, createTestPack(), extra);
}
