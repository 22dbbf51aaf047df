import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineNode } from '../node-api/node-definition';
import { createNodeRegistry } from '../node-api/node-registry';
import { ENGINE_VERSION } from './engine-version';
import { loadNodePacks } from './load-node-packs';
import type { PackReport } from './pack-report';
import { writePacksState } from './packs-state';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'momaflow-packs-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function pack(
  folder: string,
  source: string,
  manifest: Record<string, unknown> = { main: 'index.mjs' },
) {
  await mkdir(path.join(dir, folder), { recursive: true });
  await writeFile(path.join(dir, folder, 'package.json'), JSON.stringify({ name: folder, ...manifest }));
  const entry = String(
    (manifest.momaflow as { entry?: string } | undefined)?.entry ?? manifest.main ?? 'index.mjs',
  );
  await writeFile(path.join(dir, folder, entry), source);
}

const FACTORY_PACK = `export default ({ defineNode, defineNodePack, Input }) => defineNodePack({
  name: 'double-pack', version: '1.0.0',
  nodes: [defineNode({ type: 'Double', category: 'math', inputs: { n: Input.int({ default: 1 }) },
    outputs: [{ type: 'INT' }], run: (_ctx, { n }) => [2 * n] })],
});`;
const PLAIN_PACK = `export default { name: 'plain-pack', version: '0.1.0', nodes: [
  { type: 'Plain', category: 'x', inputs: {}, outputs: [{ type: 'STRING' }], run: () => ['plain'] }] };`;
/** A pack in the published format: id and version in package.json, the entry through pack-api's global. */
const API_PACK = `const { definePack, defineNode } = globalThis[Symbol.for('momaflow.pack-api.v1')];
export default definePack({ nodes: [defineNode({ type: 'Plain', category: 'x', inputs: {},
  outputs: [{ type: 'STRING' }], run: () => ['api'] })] });`;
const momaflow = (id: string, engine = `^${ENGINE_VERSION}`) => ({
  version: '2.0.0',
  momaflow: { id, engine, entry: 'index.mjs' },
});

const byFolder = (packs: readonly PackReport[]) =>
  Object.fromEntries(packs.map((p) => [path.basename(p.folder), p]));

describe(loadNodePacks.name, () => {
  it('loads factory and plain packs, and reports broken ones with their folder and reason', async () => {
    await pack('a-double', FACTORY_PACK);
    await pack('b-plain', PLAIN_PACK);
    await pack('c-throws', "throw new Error('pack exploded');");
    await pack('d-bad-export', 'export default { name: "Bad Name!", version: "1", nodes: [] };');
    await pack('f-escape', 'export default {};', { main: '../outside.mjs' });
    await pack(
      'g-bad-default',
      `export default { name: 'bad-default', version: '1', nodes: [
      { type: 'Bad', category: 'x', inputs: { n: { kind: 'INT', default: 5, max: 1 } }, outputs: [], run: () => [] }] };`,
    );
    const registry = createNodeRegistry();
    const { packs } = await loadNodePacks(registry, { dir });
    expect(
      packs.filter((p) => p.status === 'loaded').map((p) => [p.id, p.status === 'loaded' && p.nodes]),
    ).toEqual([
      ['double-pack', ['Double']],
      ['plain-pack', ['Plain']],
    ]);
    const reasons = Object.fromEntries(
      packs.flatMap((p) => (p.status === 'failed' ? [[path.basename(p.folder), p.error.message]] : [])),
    );
    expect(Object.keys(reasons)).toEqual(['c-throws', 'd-bad-export', 'f-escape', 'g-bad-default']);
    expect(reasons['c-throws']).toMatch(/c-throws.*pack exploded/);
    expect(reasons['d-bad-export']).toMatch(/d-bad-export.*name/);
    expect(reasons['f-escape']).toMatch(/outside the pack folder/);
    expect(reasons['g-bad-default']).toMatch(/default 5 > max 1/);
    expect(registry.entry('Double')).toMatchObject({ pack: 'double-pack', version: '1.0.0' });
    expect(registry.types()).toEqual(['Double', 'Plain']);
  });

  it('namespaces a node type that a built-in or an earlier pack already has, never replacing it', async () => {
    await pack('b-plain', PLAIN_PACK);
    await pack('e-clash', PLAIN_PACK.replace('plain-pack', 'clash-pack'));
    await pack('h-api', API_PACK, momaflow('api-pack'));
    const builtin = defineNode({ type: 'Plain', category: 'core', inputs: {}, outputs: [], run: () => [] });
    const registry = createNodeRegistry([builtin]);
    const packs = byFolder((await loadNodePacks(registry, { dir })).packs);
    expect(packs['b-plain']).toMatchObject({
      status: 'loaded',
      renamed: [{ from: 'Plain', to: 'plain-pack/Plain' }],
    });
    expect(packs['e-clash']).toMatchObject({ status: 'loaded', nodes: ['clash-pack/Plain'] });
    expect(packs['h-api']).toMatchObject({ status: 'loaded', id: 'api-pack', version: '2.0.0' });
    expect(registry.get('Plain')).toBe(builtin);
    expect(registry.get('api-pack/Plain')?.type).toBe('api-pack/Plain');
  });

  it('reports an incompatible engine range and disabled packs without importing them', async () => {
    await pack('old', "throw new Error('must not be imported');", momaflow('old-pack', '>=99'));
    await pack('off', "throw new Error('must not be imported');", momaflow('off-pack'));
    await pack('bad-field', API_PACK, { momaflow: { id: 'x', engine: 'not a range' } });
    await writePacksState(dir, { version: 1, installed: [], disabled: ['off-pack'] });
    const packs = byFolder((await loadNodePacks(createNodeRegistry(), { dir })).packs);
    expect(packs.old).toMatchObject({ status: 'incompatible', id: 'old-pack' });
    expect(packs.old?.status === 'incompatible' && packs.old.error.message).toMatch(
      new RegExp(`'old-pack' needs engine >=99, this is ${ENGINE_VERSION}`),
    );
    expect(packs.off).toMatchObject({ status: 'disabled', id: 'off-pack' });
    expect(packs['bad-field']?.status === 'failed' && packs['bad-field'].error.message).toMatch(
      /momaflow.engine.*semver range/,
    );
  });

  it('loads installed packs from node_modules and refuses untrusted ones without a sandbox', async () => {
    await pack('node_modules/api-pack', API_PACK, momaflow('api-pack'));
    await pack('node_modules/wild-pack', API_PACK, momaflow('wild-pack'));
    const installed = (id: string, trusted: boolean) => ({
      id,
      package: id,
      spec: `/src/${id}`,
      source: 'folder' as const,
      trusted,
      version: '2.0.0',
      installedAt: new Date(0).toISOString(),
    });
    await writePacksState(dir, {
      version: 1,
      installed: [installed('api-pack', true), installed('wild-pack', false)],
      disabled: [],
    });
    const packs = (await loadNodePacks(createNodeRegistry(), { dir })).packs;
    expect(packs.map((p) => [p.id, p.origin, p.status])).toEqual([
      ['api-pack', 'installed', 'loaded'],
      ['wild-pack', 'installed', 'failed'],
    ]);
    expect(packs[1]?.status === 'failed' && packs[1].error.code).toBe('node_pack_untrusted');
  });

  it('treats a missing packs folder as no packs', async () => {
    expect((await loadNodePacks(createNodeRegistry(), { dir: path.join(dir, 'nope') })).packs).toEqual([]);
  });

  it('imports a pack through the exports field', async () => {
    await pack('h-exports', FACTORY_PACK, { main: 'index.mjs', exports: { '.': './index.mjs' } });
    expect((await loadNodePacks(createNodeRegistry(), { dir })).packs[0]).toMatchObject({
      status: 'loaded',
      id: 'double-pack',
    });
  });
});
