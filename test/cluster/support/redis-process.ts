/**
 * @module
 * A throw-away redis-server for a test: loopback, a free port, its own folder, append-only file on
 * (fsync on every write, so a restart keeps every acknowledged job), optionally a password.
 * `restart()` shuts it down (it writes the AOF) and starts it again on the same port and folder.
 * Where redis-server is missing the cluster tests skip, except in CI (CI=true), where they fail.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RedisProcess {
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:port` */
  readonly url: string;
  /** Runs a command with redis-cli (authenticated) and returns its output. */
  cli(...args: string[]): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function which(command: string): string | undefined {
  try {
    return execFileSync('which', [command], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The redis-server binary, or why the cluster tests cannot run here. */
export const REDIS_SERVER = which('redis-server');
export const REDIS_MISSING_REASON =
  'redis-server is not installed (apt-get install redis-server); the cluster tests need it';
/** In CI a missing redis-server fails the tests instead of skipping them. */
export const SKIP_CLUSTER_TESTS = REDIS_SERVER === undefined && process.env.CI !== 'true';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, password: string | undefined, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    try {
      const out = execFileSync(
        'redis-cli',
        ['-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), 'ping'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      if (out.trim() === 'PONG') return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedis(options: { password?: string } = {}): Promise<RedisProcess> {
  if (!REDIS_SERVER) throw new Error(REDIS_MISSING_REASON);
  const binary = REDIS_SERVER;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'momaflow-redis-'));
  const port = await freePort();
  const { password } = options;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--daemonize',
    'no',
    '--logfile',
    path.join(dir, 'redis.log'),
    ...(password ? ['--requirepass', password] : []),
  ];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(binary, args, { stdio: 'ignore' });
    await waitForPing(port, password, child);
  };
  const cli = (...command: string[]) =>
    execFileSync(
      'redis-cli',
      ['-p', String(port), ...(password ? ['-a', password, '--no-auth-warning'] : []), ...command],
      {
        encoding: 'utf8',
      },
    );
  const shutdown = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      cli('shutdown');
    } catch {
      // the connection drops as it shuts down
    }
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://${password ? `:${password}@` : ''}127.0.0.1:${port}`,
    cli,
    async restart() {
      await shutdown();
      await launch();
    },
    async stop() {
      await shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
