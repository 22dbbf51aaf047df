import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from './main';
import { memoryIo } from './memory-io';

/** A hub in one process: LFS-style HEAD answers with a redirect, a "CDN" that honours Range. */
const FILE = randomBytes(3 * 1024 * 1024 + 17);
const SHA = createHash('sha256').update(FILE).digest('hex');
const hub = {
  /** Cut the next full GET after this many bytes. */
  cutAfter: undefined as number | undefined,
  advertisedSha: SHA,
  requireToken: undefined as string | undefined,
  ranges: [] as string[],
};

function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/org/repo/resolve/main/weights/model.safetensors') {
    if (hub.requireToken && req.headers.authorization !== `Bearer ${hub.requireToken}`) {
      res.writeHead(401).end('unauthorized');
      return;
    }
    res.writeHead(302, {
      location: '/cdn/blob',
      'x-repo-commit': 'a'.repeat(40),
      'x-linked-etag': `"${hub.advertisedSha}"`,
      'x-linked-size': String(FILE.length),
      etag: '"git-sha1-of-pointer"',
    });
    res.end();
    return;
  }
  if (url.pathname === '/cdn/blob') {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) hub.ranges.push(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, {
      'content-length': String(FILE.length - start),
      ...(range ? { 'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}` } : {}),
    });
    const cut = hub.cutAfter;
    if (cut !== undefined && !range) {
      hub.cutAfter = undefined;
      res.write(FILE.subarray(0, cut), () => res.socket?.destroy());
      return;
    }
    res.end(FILE.subarray(start));
    return;
  }
  res.writeHead(404).end();
}

let server: Server;
let endpoint: string;
let models: string;

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(async () => {
  models = await mkdtemp(path.join(tmpdir(), 'momaflow-pull-'));
});
afterEach(async () => {
  Object.assign(hub, { cutAfter: undefined, advertisedSha: SHA, requireToken: undefined, ranges: [] });
  delete process.env.HF_TOKEN;
  await rm(models, { recursive: true, force: true });
});

async function pull(...extra: string[]) {
  const { io, out, err } = memoryIo();
  const code = await main(
    [
      'models',
      'pull',
      'org/repo/weights/model.safetensors',
      '--models',
      models,
      '--endpoint',
      endpoint,
      ...extra,
    ],
    io,
  );
  return { code, out: out(), err: err() };
}

describe('momaflow models pull', () => {
  const dest = () => path.join(models, 'vae', 'model.safetensors');

  it('downloads a file with a progress bar, checks its sha256 and moves it into place', async () => {
    const result = await pull('--to', 'vae');
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/model\.safetensors \[#+\] 100% 3\.0 MiB \/ 3\.0 MiB/);
    expect(result.out).toContain(`downloaded: ${dest()} (3.0 MiB, sha256 ${SHA} verified)`);
    expect(Buffer.compare(await readFile(dest()), FILE)).toBe(0);
    expect(await readdir(path.join(models, 'vae'))).toEqual(['model.safetensors']);
    expect((await pull('--to', 'vae')).out).toContain('already present');
  });

  it('resumes a download cut mid-file with a Range request', async () => {
    hub.cutAfter = 1024 * 1024;
    const cut = await pull('--to', 'vae');
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(
      /stopped after \d+ of 3145745 bytes.*model\.safetensors\.part is kept: run the same command again to resume/,
    );
    const kept = (await stat(`${dest()}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    const resumed = await pull('--to', 'vae');
    expect(resumed.out).toContain(`resumed: ${dest()}`);
    expect(resumed.out).toMatch(/resumed at 1\.0 MiB/);
    expect(hub.ranges).toEqual([`bytes=${kept}-`]);
    expect(Buffer.compare(await readFile(dest()), FILE)).toBe(0);
  });

  it('refuses and removes a file whose sha256 does not match the hub', async () => {
    hub.advertisedSha = 'f'.repeat(64);
    const result = await pull('--to', 'vae');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      new RegExp(`sha256 ${SHA} does not match the hub's f{64}; the download was deleted`),
    );
    expect(await readdir(path.join(models, 'vae'))).toEqual([]);
  });

  it('names the token when the hub answers 401, and sends HF_TOKEN', async () => {
    hub.requireToken = 'hf_secret';
    const refused = await pull();
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /401 Unauthorized for org\/repo\/weights\/model\.safetensors@main: .*gated or private.*set HF_TOKEN/,
    );
    process.env.HF_TOKEN = 'hf_secret';
    expect((await pull()).code).toBe(0);
    expect(await readdir(path.join(models, 'checkpoints'))).toEqual(['model.safetensors']);
  });

  it('says clearly when the hub cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { io, err } = memoryIo();
    const code = await main(
      [
        'models',
        'pull',
        'org/repo/model.safetensors',
        '--models',
        models,
        '--endpoint',
        `http://127.0.0.1:${port}`,
      ],
      io,
    );
    expect(code).toBe(1);
    expect(err()).toMatch(
      new RegExp(
        `cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): check the network connection, or set HF_ENDPOINT`,
      ),
    );
  });

  it.each([
    [
      ['models', 'pull', 'not-a-name'],
      /unknown model 'not-a-name' \(known: sd15, .*segment-isnet; or give <owner>\/<repo>\/<file>/,
      2,
    ],
    [['models', 'pull', 'org/repo'], /neither a known model name nor <owner>\/<repo>\/<file>/, 2],
    [['models', 'pull', 'org/repo/x.bin', '--to', 'nowhere'], /--to 'nowhere' is not a model folder/, 2],
  ])('rejects %j', async (args, message, code) => {
    const { io, err } = memoryIo();
    expect(await main(args, io)).toBe(code);
    expect(err()).toMatch(message);
  });
});
