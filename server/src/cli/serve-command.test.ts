import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io';
import { main } from './main';
import { serveCommand } from './serve-command';

function memoryIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    isTty: false,
    write: (t) => out.push(t),
    error: (t) => err.push(t),
    log: createLogger(() => {}),
    onInterrupt: () => {},
    offInterrupt: () => {},
  };
  return { io, out, err };
}

describe(serveCommand.name, () => {
  it('serves the API until told to stop, with the token required', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'momaflow-serve-'));
    const { io, out } = memoryIo();
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = serveCommand(
      { host: '127.0.0.1', port: 0, authToken: 'secret-token-123', data, corsOrigins: [] },
      io,
      { stopped },
    );
    await expect.poll(() => out.join('')).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /listening on (\S+)/.exec(out.join(''))![1]!;
    // The editor's address, without the secret: the user knows the token they passed.
    expect(out.join('')).toContain(`open ${url}/?token=<your auth token> in a browser`);
    expect(out.join('')).not.toContain('secret-token-123');
    expect((await fetch(`${url}/api/system_stats`)).status).toBe(401);
    const authed = await fetch(`${url}/api/system_stats`, {
      headers: { authorization: 'Bearer secret-token-123' },
    });
    expect(authed.status).toBe(200);
    stop();
    expect(await running).toBe(0);
    await rm(data, { recursive: true, force: true });
  });

  it.each([
    [['serve', '--port', 'abc'], /--port 'abc'/],
    [['serve', '--nope'], /Unknown option/],
    [['serve', '--port', '0', '--auth-token', 'short'], /cannot start the server/],
  ])('exits 2 for %j', async (args, message) => {
    const { io, err } = memoryIo();
    expect(await main(args, io)).toBe(2);
    expect(err.join('\n')).toMatch(message);
  });
});
