/**
 * A node pack's whole life: `momaflow nodes new`, build, `nodes add` from its folder (trusted) and from
 * an `npm pack` tarball (sandboxed), its node in /api/object_info, a workflow using it run by the
 * server, the workflow saved with provenance, `nodes remove`, and the missing-pack message naming it
 * (API and CLI).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '@momaflow/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, queuePrompt, request } from './support/http';
import { buildPack, momaflow, packTarball, testPack } from './support/pack-workbench';
import { until } from './support/until';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACK = 'glow-pack';
const NODE = 'GlowPackBrightness';

let work: string;
let packDir: string;

async function dataFolder(name: string): Promise<string> {
  const data = path.join(work, name);
  await mkdir(path.join(data, 'input'), { recursive: true });
  await copyFile(path.join(ROOT, 'input', 'example.png'), path.join(data, 'input', 'example.png'));
  return data;
}

const workflow = {
  format: 'momaflow.workflow',
  version: 2,
  nodes: {
    '1': { class_type: 'LoadImage', inputs: { image: 'example.png' }, pos: [0, 0] },
    '2': { class_type: NODE, inputs: { image: ['1', 0], amount: 0.25 }, pos: [300, 0] },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'glow' }, pos: [600, 0] },
  },
};

async function runOnServer(data: string) {
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: data });
  try {
    const info = await request(server.url, `/api/object_info/${NODE}`);
    const stats = await request(server.url, '/api/system_stats');
    const id = await queuePrompt(server.url, { prompt: workflow });
    const entry = await until(
      async () => {
        const history = (await request(server.url, `/api/history/${id}`)).body as Record<
          string,
          { status: { status_str: string } }
        >;
        return history[id]?.status.status_str === 'success' || history[id]?.status.status_str === 'error'
          ? history[id]
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the prompt to finish' },
    );
    const saved = await request(server.url, '/api/userdata/workflows/glow', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(workflow),
    });
    return { info: info.body, stats: stats.body, entry, saved };
  } finally {
    await server.close();
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'momaflow-pack-life-'));
  packDir = path.join(work, PACK);
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('a node pack from scaffold to removal', () => {
  it('scaffolds a pack whose own test passes after a build', async () => {
    const made = await momaflow('nodes', 'new', PACK, '--dir', packDir);
    expect(made).toMatchObject({ code: 0, out: expect.stringContaining(`with node ${NODE}`) });
    await buildPack(packDir);
    expect(await testPack(packDir)).toMatch(/# pass 2\n# fail 0/);
  });

  it.each([
    ['folder', false],
    ['tarball', true],
  ])('installs it from a %s, serves, runs and saves it with provenance', async (source, sandboxed) => {
    const data = await dataFolder(`data-${source}`);
    const spec = source === 'folder' ? packDir : await packTarball(packDir);
    const added = await momaflow('nodes', 'add', spec, '--data', data);
    expect(added.err).toBe('');
    expect(added.out).toMatch(new RegExp(`installed ${PACK}@0\\.1\\.0 from ${source}`));
    if (source === 'tarball') expect(added.out).toMatch(/integrity sha512-/);
    const listed = await momaflow('nodes', 'list', '--json', '--data', data);
    expect(JSON.parse(listed.out)).toMatchObject([{ id: PACK, status: 'loaded', sandboxed, nodes: [NODE] }]);

    const { info, stats, entry, saved } = await runOnServer(data);
    expect(info).toMatchObject({
      [NODE]: { python_module: PACK, momaflow_pack: { id: PACK, version: '0.1.0', sandboxed } },
    });
    expect(stats).toMatchObject({ node_packs: [{ id: PACK, status: 'loaded', sandboxed }] });
    expect(entry).toMatchObject({ status: { status_str: 'success' } });
    expect(await readFile(path.join(data, 'output', 'glow_00001_.png'))).toBeTruthy();
    expect(saved.status).toBe(201);
    const file = JSON.parse(await readFile(path.join(data, 'user', 'workflows', 'glow.json'), 'utf8'));
    expect(file.nodes['2'].pack).toEqual({ id: PACK, version: '0.1.0' });
    expect(file.nodes['1'].pack).toMatchObject({ id: 'core' });
  });

  it('names the missing pack after it is removed (API and CLI)', async () => {
    const data = path.join(work, 'data-folder');
    expect(await momaflow('nodes', 'remove', PACK, '--data', data)).toMatchObject({
      code: 0,
      out: `removed ${PACK}@0.1.0\n`,
    });
    const savedFile = path.join(data, 'user', 'workflows', 'glow.json');
    const saved = JSON.parse(await readFile(savedFile, 'utf8'));
    const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: data });
    try {
      const res = await postJson(server.url, '/api/prompt', { prompt: saved });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(
        new RegExp(
          `'${NODE}' comes from node pack '${PACK}' 0\\.1\\.0, which is not installed.*momaflow nodes add ${PACK}`,
        ),
      );
    } finally {
      await server.close();
    }
    const copy = path.join(work, 'saved.json');
    await writeFile(copy, JSON.stringify(saved));
    const cli = await momaflow('run', copy, '--data', data);
    expect(cli.code).toBe(2);
    expect(cli.err).toMatch(new RegExp(`node pack '${PACK}' 0\\.1\\.0, which is not installed`));
  });
});
