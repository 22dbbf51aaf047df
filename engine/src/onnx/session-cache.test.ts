import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../errors/engine-error';
import { Tensor } from '../tensor/tensor';
import { THREADS_ENV_VAR } from './compute-threads';
import { OnnxBuilder } from './onnx-builder';
import type { OnnxLogger } from './onnx-logger';
import { fromOrtTensor, toOrtTensor } from './ort-tensor';
import { SessionCache } from './session-cache';
import { estimateSessionBytes } from './session-size';
import { type OnnxSession, WorkerSessions } from './worker-sessions';

/** y = x + c: a distinct model (and content hash) per constant. */
function addModel(c: number) {
  const b = OnnxBuilder.create();
  const x = b.input('x', 'float32', [2]);
  b.output(b.op('Add', [x, b.constFloat('float32', c)]), 'y');
  return b.build();
}

async function runAdd(session: OnnxSession): Promise<number[]> {
  const out = await session.run({ x: toOrtTensor(new Tensor('float32', [2], Float32Array.of(1, 2))) });
  return Array.from(fromOrtTensor(out.y!, 'float32').data);
}

/** y = x + c over `n` floats: the constant makes the model (and its estimated session) about 4n bytes. */
function sizedModel(c: number, n = 4096) {
  const b = OnnxBuilder.create();
  const x = b.input('x', 'float32', [n]);
  b.output(b.op('Add', [x, b.initializer('c', Tensor.filled([n], c))]), 'y');
  return b.build();
}

/** The first two outputs of a `sizedModel` for x = 1, 2, 3, ... */
async function runAdd2(session: OnnxSession, n = 4096): Promise<number[]> {
  const x = new Tensor(
    'float32',
    [n],
    Float32Array.from({ length: n }, (_, i) => i + 1),
  );
  const out = await session.run({ x: toOrtTensor(x) });
  return Array.from(fromOrtTensor(out.y!, 'float32').data.subarray(0, 2));
}

function spyLogger(): OnnxLogger & { warn: ReturnType<typeof vi.fn>; debug: ReturnType<typeof vi.fn> } {
  return { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}

describe(SessionCache.name, () => {
  let cache: SessionCache | undefined;
  afterEach(async () => {
    await cache?.dispose();
  });

  it('returns the same session for the same content and runs it', async () => {
    cache = SessionCache.create({ maxEntries: 2 });
    const a = await cache.acquire({ model: addModel(1) });
    const b = await cache.acquire({ bytes: addModel(1).bytes });
    expect(b.session).toBe(a.session);
    expect(a.executionProvider).toBe('cpu');
    expect(await runAdd(a.session)).toEqual([2, 3]);
    a.release();
    b.release();
    expect(cache.size).toBe(1);
  });

  it('evicts and releases the least recently used session', async () => {
    cache = SessionCache.create({ maxEntries: 2 });
    const leases = [];
    for (const c of [1, 2]) {
      const l = await cache.acquire({ model: addModel(c) });
      l.release();
      leases.push(l);
    }
    const first = leases[0]!;
    const spy = vi.spyOn(first.session, 'release');
    // Touch model 1 so model 2 becomes the least recently used.
    (await cache.acquire({ model: addModel(1) })).release();
    const second = leases[1]!;
    const spy2 = vi.spyOn(second.session, 'release');
    (await cache.acquire({ model: addModel(3) })).release();
    expect(cache.size).toBe(2);
    expect(cache.keys()).not.toContain(second.key);
    expect(cache.keys()).toContain(first.key);
    await vi.waitFor(() => expect(spy2).toHaveBeenCalledOnce());
    expect(spy).not.toHaveBeenCalled();
    await expect(second.session.run({ x: toOrtTensor(Tensor.filled([2], 0)) })).rejects.toThrow();
  });

  it('never releases a leased session, even when it is the least recently used', async () => {
    cache = SessionCache.create({ maxEntries: 1 });
    const held = await cache.acquire({ model: addModel(1) });
    const spy = vi.spyOn(held.session, 'release');
    const other = await cache.acquire({ model: addModel(2) });
    const otherSpy = vi.spyOn(other.session, 'release');
    expect(cache.size).toBe(2); // over capacity while both are leased
    other.release();
    // The only session that may go is the unleased one.
    await vi.waitFor(() => expect(otherSpy).toHaveBeenCalledOnce());
    expect(spy).not.toHaveBeenCalled();
    expect(await runAdd(held.session)).toEqual([2, 3]);
    held.release();
    held.release(); // idempotent
    expect(cache.keys()).toEqual([held.key]);
  });

  it('with maxBytes 0, closes sessions nobody holds before creating another, and keeps held ones', async () => {
    cache = SessionCache.create({ maxBytes: 0 });
    const idle = await cache.acquire({ model: addModel(1) });
    idle.release();
    const idleRelease = vi.spyOn(idle.session, 'release');
    const created = vi.spyOn(WorkerSessions.prototype, 'createSession');
    const order: string[] = [];
    idleRelease.mockImplementation(async () => {
      order.push('released idle');
    });
    created.mockImplementationOnce(async function (this: WorkerSessions, ...args) {
      order.push('created next');
      created.mockRestore();
      return WorkerSessions.prototype.createSession.apply(this, args);
    });
    const held = await cache.acquire({ model: addModel(2) });
    expect(order).toEqual(['released idle', 'created next']);
    expect(cache.keys()).toEqual([held.key]);
    const heldRelease = vi.spyOn(held.session, 'release');
    const third = await cache.acquire({ model: addModel(3) });
    expect(heldRelease).not.toHaveBeenCalled();
    expect(await runAdd(held.session)).toEqual([3, 4]);
    expect(cache.keys()).toEqual([held.key, third.key]);
    held.release();
    third.release();
  });

  it('releases a session unloaded while leased when the lease is handed back', async () => {
    cache = SessionCache.create();
    const held = await cache.acquire({ model: addModel(1) });
    const spy = vi.spyOn(held.session, 'release');
    expect(await cache.unload(held.key)).toBe(true);
    expect(spy).not.toHaveBeenCalled();
    expect(await runAdd(held.session)).toEqual([2, 3]);
    held.release();
    await vi.waitFor(() => expect(spy).toHaveBeenCalledOnce());
  });

  it('unloads by key', async () => {
    cache = SessionCache.create();
    const lease = await cache.acquire({ model: addModel(1) });
    lease.release();
    const spy = vi.spyOn(lease.session, 'release');
    expect(await cache.keyOf({ model: addModel(1) })).toBe(lease.key);
    expect(await cache.unload(lease.key)).toBe(true);
    expect(spy).toHaveBeenCalledOnce();
    expect(cache.size).toBe(0);
    expect(await cache.unload(lease.key)).toBe(false);
  });

  it('keys sessions by options too', async () => {
    cache = SessionCache.create();
    const a = await cache.acquire({ model: addModel(1) }, { intraOpNumThreads: 1 });
    const b = await cache.acquire({ model: addModel(1) }, { intraOpNumThreads: 2 });
    expect(a.key).not.toBe(b.key);
    expect(a.key.startsWith(addModel(1).hash)).toBe(true);
  });

  it("creates every session with an explicit thread count: the shared default, the cache's, or the call's", async () => {
    vi.stubEnv(THREADS_ENV_VAR, '3');
    const create = vi.spyOn(WorkerSessions.prototype, 'createSession');
    const logger = spyLogger();
    try {
      cache = SessionCache.create({ logger });
      (await cache.acquire({ model: addModel(1) })).release();
      (await cache.acquire({ model: addModel(2) }, { intraOpNumThreads: 1 })).release();
      const withDefaults = SessionCache.create({ defaults: { intraOpNumThreads: 2 } });
      (await withDefaults.acquire({ model: addModel(3) })).release();
      await withDefaults.dispose();
      expect(create.mock.calls.map(([, options]) => options.intraOpNumThreads)).toEqual([3, 1, 2]);
      const created = logger.debug.mock.calls.filter(([message]) => message === 'onnx session created');
      expect(created.map(([, data]) => (data as { intraOpNumThreads: number }).intraOpNumThreads)).toEqual([
        3, 1,
      ]);
    } finally {
      create.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('turns a bad model into an EngineError and caches nothing', async () => {
    cache = SessionCache.create();
    const err = await cache.acquire({ bytes: new Uint8Array([1, 2, 3, 4]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('session_create_failed');
    expect(cache.size).toBe(0);
  });

  it('loads models with external data through cacheDir, and refuses without one', async () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [2]);
    b.output(b.op('Add', [x, b.initializer('w', Tensor.filled([2], 5))]), 'y');
    const model = b.build({ externalDataThreshold: 0 });
    cache = SessionCache.create();
    await expect(cache.acquire({ model })).rejects.toMatchObject({ code: 'external_data_needs_dir' });
    const dir = await mkdtemp(join(tmpdir(), 'momaflow-sessions-'));
    try {
      const withDir = SessionCache.create({ cacheDir: dir });
      const lease = await withDir.acquire({ model });
      expect(await runAdd(lease.session)).toEqual([6, 7]);
      await withDir.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps an optimized copy of each model and loads later sessions from it, in any cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'momaflow-optimized-'));
    const logger = spyLogger();
    const froms = () =>
      logger.debug.mock.calls
        .filter(([message]) => message === 'onnx session created')
        .map(([, data]) => (data as { from: string }).from);
    try {
      const first = SessionCache.create({ optimizedDir: dir, logger });
      expect(await runAdd((await first.acquire({ model: addModel(4) })).session)).toEqual([5, 6]);
      await first.dispose();
      const [folder] = await readdir(dir);
      expect(folder).toMatch(/^[0-9a-f]{64}$/);
      const second = SessionCache.create({ optimizedDir: dir, logger });
      expect(await runAdd((await second.acquire({ model: addModel(4) })).session)).toEqual([5, 6]);
      await second.dispose();
      // A damaged copy is written again, and the session still loads.
      await writeFile(join(dir, folder!, 'model.onnx'), 'not a model');
      const third = SessionCache.create({ optimizedDir: dir, logger });
      expect(await runAdd((await third.acquire({ model: addModel(4) })).session)).toEqual([5, 6]);
      await third.dispose();
      expect(logger.warn).toHaveBeenCalledOnce();
      expect(froms()).toEqual([
        'source, optimized copy written',
        'optimized copy',
        'source, optimized copy written',
      ]);
      expect(await readdir(dir)).toEqual([folder]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('falls back to CPU with a warning when WebGPU is unavailable, and runs', async () => {
    const logger = spyLogger();
    cache = SessionCache.create({ logger });
    const lease = await cache.acquire({ model: addModel(1) }, { executionProvider: 'webgpu' });
    expect(await runAdd(lease.session)).toEqual([2, 3]);
    // Machines with a WebGPU adapter get it; all others must have been told why they run on CPU.
    if (lease.executionProvider === 'cpu') expect(logger.warn).toHaveBeenCalledOnce();
    else expect(logger.warn).not.toHaveBeenCalled();
  });

  it('refuses work after dispose', async () => {
    const c = SessionCache.create();
    await c.dispose();
    await expect(c.acquire({ model: addModel(1) })).rejects.toMatchObject({ code: 'cache_disposed' });
  });

  describe('RAM budget (maxBytes)', () => {
    const models = [1, 2, 3].map((c) => sizedModel(c));
    const size = models[0]!.bytes.byteLength;
    const open = async (i: number) => {
      const lease = await cache!.acquire({ model: models[i]! });
      lease.release();
      return lease;
    };

    it('sizes a session by its model bytes, before creating it', async () => {
      expect(await estimateSessionBytes({ model: models[0]! })).toBe(size);
      expect(size).toBeGreaterThan(4 * 4096);
      cache = SessionCache.create({ maxBytes: 10 * size });
      await open(0);
      await open(1);
      expect(cache.bytes).toBe(2 * size);
    });

    it('closes the least recently used idle sessions first, only as many as the new one needs', async () => {
      cache = SessionCache.create({ maxBytes: 2.5 * size });
      const [a, b] = [await open(0), await open(1)];
      await open(0); // touch a: b is now the least recently used
      const aRelease = vi.spyOn(a.session, 'release');
      const bRelease = vi.spyOn(b.session, 'release');
      const c = await open(2);
      expect(cache.keys()).toEqual([a.key, c.key]);
      expect(bRelease).toHaveBeenCalledOnce();
      expect(aRelease).not.toHaveBeenCalled();
      expect(cache.bytes).toBeLessThanOrEqual(2.5 * size);
    });

    it('keeps every session while they fit', async () => {
      cache = SessionCache.create({ maxBytes: 3 * size });
      const leases = [await open(0), await open(1), await open(2)];
      expect(cache.keys()).toEqual(leases.map((l) => l.key));
      const created = vi.spyOn(WorkerSessions.prototype, 'createSession');
      for (const i of [0, 1, 2]) expect((await open(i)).session).toBe(leases[i]!.session);
      expect(created).not.toHaveBeenCalled();
      created.mockRestore();
    });

    it('never closes a session in use, and handing sessions back closes none', async () => {
      cache = SessionCache.create({ maxBytes: 1.5 * size });
      const held = await cache.acquire({ model: models[0]! });
      const heldRelease = vi.spyOn(held.session, 'release');
      const other = await cache.acquire({ model: models[1]! });
      const otherRelease = vi.spyOn(other.session, 'release');
      expect(cache.keys()).toEqual([held.key, other.key]); // over the budget while both are held
      expect(await runAdd2(held.session)).toEqual([2, 3]);
      other.release();
      held.release();
      expect(cache.size).toBe(2);
      expect(heldRelease).not.toHaveBeenCalled();
      expect(otherRelease).not.toHaveBeenCalled();
      // The next creation brings the cache back within the budget, oldest first.
      const third = await open(2);
      expect(cache.keys()).toEqual([third.key]);
      expect(heldRelease).toHaveBeenCalledOnce();
      expect(otherRelease).toHaveBeenCalledOnce();
    });

    it('opens a session larger than the whole budget, alone', async () => {
      cache = SessionCache.create({ maxBytes: size / 2 });
      const first = await open(0);
      const firstRelease = vi.spyOn(first.session, 'release');
      const big = await cache.acquire({ model: models[1]! });
      expect(cache.keys()).toEqual([big.key]);
      expect(firstRelease).toHaveBeenCalledOnce();
      expect(await runAdd2(big.session)).toEqual([3, 4]);
      big.release();
    });

    it('refuses a negative budget', () => {
      expect(() => SessionCache.create({ maxBytes: -1 })).toThrow(/'maxBytes' must be 0 or more/);
    });
  });
});
