import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../errors/engine-error';
import { SILENT_LOGGER } from '../../log/logger';
import type { AnyNodeDefinition, NodeContext } from '../../node-api/node-definition';
import type { Directories } from '../../node-api/node-env';
import { createNodeRegistry } from '../../node-api/node-registry';
import { resolveThreadCount } from '../../onnx/compute-threads';
import { Tensor } from '../../tensor/tensor';
import { writeSandboxTestPack } from '../../testing/sandbox-test-pack';
import { testNodeContext } from '../../testing/test-nodes';
import { type LoadedPacks, loadNodePacks } from '../load-node-packs';
import { createPackSandbox } from './pack-sandbox';

let dir: string;
let data: string;
let dirs: Directories;
let loaded: LoadedPacks;
const registry = createNodeRegistry();
/** A count no machine gets by default, so a child that fell back to its own would be caught. */
const THREADS = resolveThreadCount().threads + 1;

function ctx(progress: [number, number][] = []): NodeContext {
  return testNodeContext({ nodeId: '7', progress: (value, max) => progress.push([value, max]) });
}

const node = (type: string): AnyNodeDefinition => {
  const definition = registry.get(type);
  if (!definition) throw new Error(`${type} not registered`);
  return definition;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'momaflow-sandbox-'));
  data = path.join(dir, 'data');
  dirs = {
    input: path.join(data, 'input'),
    output: path.join(data, 'output'),
    temp: path.join(data, 'temp'),
    models: path.join(data, 'models'),
  };
  await Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true })));
  const packsDir = path.join(dir, 'custom_nodes');
  await writeSandboxTestPack(packsDir);
  loaded = await loadNodePacks(registry, {
    dir: packsDir,
    sandbox: createPackSandbox({ dirs, log: SILENT_LOGGER, abortGraceMs: 300, threads: THREADS }),
  });
});
afterAll(async () => {
  await loaded.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe(createPackSandbox.name, () => {
  it('registers the pack as sandboxed', () => {
    expect(loaded.packs).toMatchObject([
      { id: 'evil-pack', status: 'loaded', sandboxed: true, trusted: false },
    ]);
    expect(registry.entry('SandboxInvert')).toMatchObject({
      pack: 'evil-pack',
      version: '1.2.3',
      sandboxed: true,
    });
  });

  it('runs a legitimate node: tensors in and out, progress forwarded', async () => {
    const progress: [number, number][] = [];
    const image = new Tensor(
      'float32',
      [1, 2, 2, 3],
      Float32Array.from({ length: 12 }, (_, i) => i / 12),
    );
    const [out] = (await node('SandboxInvert').run(ctx(progress), { image, steps: 3 })) as [Tensor];
    expect(out).toBeInstanceOf(Tensor);
    expect(out.shape).toEqual([1, 2, 2, 3]);
    expect([...out.data]).toEqual([...image.data].map((v) => Math.fround(1 - v)));
    expect(progress).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it("gives the pack's node environment the server's thread count", async () => {
    expect(await node('ComputeThreads').run(ctx(), {})).toMatchObject({ outputs: [THREADS] });
  });

  it('refuses a thread count that is not a positive integer in the child, naming the pack', async () => {
    const packsDir = path.join(dir, 'custom_nodes');
    const failed = await loadNodePacks(createNodeRegistry(), {
      dir: packsDir,
      sandbox: createPackSandbox({ dirs, log: SILENT_LOGGER, threads: 0 }),
    });
    try {
      expect(failed.packs).toMatchObject([
        {
          id: 'evil-pack',
          status: 'failed',
          error: {
            message: "node pack 'evil-pack': the sandbox's thread count must be a positive integer, got '0'",
          },
        },
      ]);
    } finally {
      await failed.dispose();
    }
  });

  it.each([
    ['ReadFile', '/etc/passwd', /denied reading '\/etc\/passwd'/],
    [
      'WriteFile',
      path.join(tmpdir(), 'momaflow-sandbox-escape.txt'),
      /denied writing '.*momaflow-sandbox-escape\.txt'/,
    ],
    ['Spawn', '', /denied starting a child process/],
    ['StartWorker', '', /denied starting a worker thread/],
  ])('refuses %s with a permission error naming the pack', async (type, target, message) => {
    const err: unknown = await Promise.resolve(node(type).run(ctx(), { target })).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof EngineError)) throw new Error(`expected an EngineError, got ${String(err)}`);
    expect(err.code).toBe('node_pack_permission_denied');
    expect(err.message).toMatch(/^node pack 'evil-pack' \(sandboxed\)/);
    expect(err.message).toMatch(message);
  });

  it('allows its own folder and the data folders it asked for', async () => {
    expect(await node('ReadOwnFile').run(ctx(), { target: '' })).toMatchObject({
      outputs: [expect.stringMatching(/^\d+$/)],
    });
    const file = path.join(data, 'output', 'ok.txt');
    expect(await node('WriteFile').run(ctx(), { target: file })).toMatchObject({ outputs: ['written'] });
    expect(await readdir(path.join(data, 'output'))).toEqual(['ok.txt']);
    await expect(node('WriteFile').run(ctx(), { target: path.join(data, 'input', 'x') })).rejects.toThrow(
      /denied writing/,
    );
  });

  it('stops a node that ignores interruption by killing its process, then starts a fresh one', async () => {
    const controller = new AbortController();
    const spinning = node('Spin').run(testNodeContext({ signal: controller.signal }), {});
    setTimeout(() => controller.abort(new DOMException('interrupted', 'AbortError')), 200);
    await expect(spinning).rejects.toThrow(/interrupted/);
    const image = new Tensor('float32', [1, 1, 1, 3], Float32Array.from([0, 0.5, 1]));
    // Past the grace period the spinning process is gone; the next call starts the pack again.
    await new Promise((resolve) => setTimeout(resolve, 600));
    const [out] = (await node('SandboxInvert').run(ctx(), { image, steps: 1 })) as [Tensor];
    expect([...out.data]).toEqual([1, 0.5, 0]);
  });
});
