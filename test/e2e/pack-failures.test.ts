/**
 * Broken and untrusted packs through the real server: a pack that throws on import, one that needs
 * another engine, one that redefines a built-in node, and an untrusted (sandboxed) pack that tries to
 * read /etc/passwd, write outside its folder and spawn a process. Each is reported; the server serves
 * everything else, and the sandboxed pack's legitimate node returns the right image.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION } from '@momaflow/engine';
import { SANDBOX_TEST_PACK, writeSandboxTestPack } from '@momaflow/engine/testing';
import { decodeImageFile } from '@momaflow/nodes';
import { type RunningServer, startServer } from '@momaflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuePrompt, request } from './support/http';
import { until } from './support/until';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function folderPack(packsDir: string, folder: string, manifest: object, source: string) {
  await mkdir(path.join(packsDir, folder), { recursive: true });
  await writeFile(
    path.join(packsDir, folder, 'package.json'),
    JSON.stringify({ name: folder, type: 'module', main: 'index.js', ...manifest }),
  );
  await writeFile(path.join(packsDir, folder, 'index.js'), source);
}

const factory = (id: string, nodes: string) =>
  `export default ({ definePack, defineNode, Input }) => definePack({ name: '${id}', version: '1.0.0', nodes: [${nodes}] });`;
const intNode = (type: string, factor: number) =>
  `defineNode({ type: '${type}', category: 'test', output: true, inputs: { n: Input.int({ default: 1 }) }, outputs: [{ type: 'INT' }], run: (_c, { n }) => ({ outputs: [${factor} * n], ui: { text: [String(${factor} * n)] } }) })`;

let data: string;
let server: RunningServer;

async function finished(id: string) {
  return until(
    async () => {
      const history = (await request(server.url, `/api/history/${id}`)).body as Record<string, unknown>;
      return history[id] as
        | {
            status: { status_str: string };
            outputs: Record<string, { text?: string[] }>;
            error?: { message: string };
          }
        | undefined;
    },
    { timeoutMs: 30_000, what: `prompt ${id}` },
  );
}

beforeAll(async () => {
  data = await mkdtemp(path.join(os.tmpdir(), 'momaflow-pack-failures-'));
  const packsDir = path.join(data, 'custom_nodes');
  await folderPack(packsDir, 'a-throws', {}, "throw new Error('pack exploded on import');");
  await folderPack(
    packsDir,
    'b-future',
    { version: '1.0.0', momaflow: { id: 'future-pack', engine: '>=99' } },
    factory('future-pack', intNode('FutureNode', 1)),
  );
  await folderPack(
    packsDir,
    'c-redefines',
    {},
    factory('redefine-pack', `${intNode('LoadImage', 3)}, ${intNode('RedefineTriple', 3)}`),
  );
  await folderPack(packsDir, 'd-good', {}, factory('good-pack', intNode('GoodDouble', 2)));
  await writeSandboxTestPack(packsDir);
  await mkdir(path.join(data, 'input'), { recursive: true });
  await copyFile(path.join(ROOT, 'input', 'example.png'), path.join(data, 'input', 'example.png'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: data });
});
afterAll(async () => {
  await server.close();
  await rm(data, { recursive: true, force: true });
});

describe('packs that fail to load', () => {
  it('are each reported in /api/system_stats while the others load', async () => {
    const stats = (await request(server.url, '/api/system_stats')).body as {
      node_packs: { id: string; status: string }[];
    };
    const byId = Object.fromEntries(stats.node_packs.map((p) => [p.id, p]));
    expect(byId['a-throws']).toMatchObject({
      status: 'failed',
      error: { code: 'node_pack_import_failed', message: expect.stringMatching(/pack exploded on import/) },
    });
    expect(byId['future-pack']).toMatchObject({
      status: 'incompatible',
      error: { message: `node pack 'future-pack' needs engine >=99, this is ${ENGINE_VERSION}` },
    });
    expect(byId['redefine-pack']).toMatchObject({
      status: 'loaded',
      nodes: ['redefine-pack/LoadImage', 'RedefineTriple'],
      renamed: [{ from: 'LoadImage', to: 'redefine-pack/LoadImage' }],
    });
    expect(byId['good-pack']).toMatchObject({ status: 'loaded', nodes: ['GoodDouble'] });
    expect(byId[SANDBOX_TEST_PACK.id]).toMatchObject({ status: 'loaded', sandboxed: true, trusted: false });
    const info = (await request(server.url, '/api/object_info')).body as Record<
      string,
      { python_module: string }
    >;
    expect(info.LoadImage?.python_module).toBe('core');
    expect(info['redefine-pack/LoadImage']?.python_module).toBe('redefine-pack');
    expect(info.FutureNode).toBeUndefined();
  });

  it('leave the server running the other packs and the built-ins', async () => {
    const entry = await finished(
      await queuePrompt(server.url, {
        prompt: {
          '1': { class_type: 'GoodDouble', inputs: { n: 21 } },
          '2': { class_type: 'redefine-pack/LoadImage', inputs: { n: 5 } },
        },
      }),
    );
    expect(entry).toMatchObject({
      status: { status_str: 'success' },
      outputs: { '1': { text: ['42'] }, '2': { text: ['15'] } },
    });
  });
});

describe('an untrusted pack', () => {
  it('runs its legitimate node in the sandbox with the right result', async () => {
    const entry = await finished(
      await queuePrompt(server.url, {
        prompt: {
          '1': { class_type: 'LoadImage', inputs: { image: 'example.png' } },
          '2': { class_type: 'SandboxInvert', inputs: { image: ['1', 0], steps: 3 } },
          '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'inverted' } },
        },
      }),
    );
    expect(entry.status.status_str).toBe('success');
    const original = (await decodeImageFile(path.join(data, 'input', 'example.png'))).image;
    const inverted = (await decodeImageFile(path.join(data, 'output', 'inverted_00001_.png'))).image;
    expect(inverted.shape).toEqual(original.shape);
    // SaveImage rounds to 8 bits: 1 - v survives within half a step.
    expect(
      inverted.data.every((v, i) => Math.abs(v - (1 - (original.data[i] ?? 0))) <= 0.5 / 255 + 1e-6),
    ).toBe(true);
  });

  it.each([
    ['ReadFile', '/etc/passwd', /denied reading '\/etc\/passwd'/],
    ['WriteFile', path.join(os.tmpdir(), 'momaflow-escape.txt'), /denied writing '.*momaflow-escape\.txt'/],
    ['Spawn', '', /denied starting a child process/],
  ])('fails %s with a permission error naming the pack', async (type, target, message) => {
    const entry = await finished(
      await queuePrompt(server.url, { prompt: { '1': { class_type: type, inputs: { target } } } }),
    );
    expect(entry.status.status_str).toBe('error');
    expect(entry.error?.message).toMatch(
      new RegExp(`^node pack '${SANDBOX_TEST_PACK.id}' \\(sandboxed\\) was denied`),
    );
    expect(entry.error?.message).toMatch(message);
    await expect(readFile(path.join(os.tmpdir(), 'momaflow-escape.txt'))).rejects.toThrow(/ENOENT/);
  });
});
