import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from './main';
import { memoryIo } from './memory-io';
import { serveCommand } from './serve-command';

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
    await expect.poll(() => out()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    const url = /listening on (\S+)/.exec(out())![1]!;
    // The editor's address, without the secret: the user knows the token they passed.
    expect(out()).toContain(`open ${url}/?token=<your auth token> in a browser`);
    expect(out()).not.toContain('secret-token-123');
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
    [['serve', '--cache-ram=-2'], /--cache-ram must be a number of GiB \(0 or more\), got '-2'/],
    [['serve', '--cache-ram', '8GB'], /--cache-ram must be a number of GiB \(0 or more\), got '8GB'/],
  ])('exits 2 for %j', async (args, message) => {
    const { io, err } = memoryIo();
    expect(await main(args, io)).toBe(2);
    expect(err()).toMatch(message);
  });
});
