import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRegistry } from '../node-api/node-registry';
import { importNodePack, loadNodePacks } from './load-node-pack';

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
  await writeFile(path.join(dir, folder, String(manifest.main ?? 'index.mjs')), source);
}

const FACTORY_PACK = `export default ({ defineNode, defineNodePack, Input }) => defineNodePack({
  name: 'double-pack', version: '1.0.0',
  nodes: [defineNode({ type: 'Double', category: 'math', inputs: { n: Input.int({ default: 1 }) },
    outputs: [{ type: 'INT' }], run: (_ctx, { n }) => [2 * n] })],
});`;
const PLAIN_PACK = `export default { name: 'plain-pack', version: '0.1.0', nodes: [
  { type: 'Plain', category: 'x', inputs: {}, outputs: [{ type: 'STRING' }], run: () => ['plain'] }] };`;

describe(loadNodePacks.name, () => {
  it('loads factory and plain packs, and reports broken ones with their folder and reason', async () => {
    await pack('a-double', FACTORY_PACK);
    await pack('b-plain', PLAIN_PACK);
    await pack('c-throws', "throw new Error('pack exploded');");
    await pack('d-bad-export', 'export default { name: "Bad Name!", version: "1", nodes: [] };');
    await pack('e-clash', PLAIN_PACK.replace('plain-pack', 'clash-pack'));
    await pack('f-escape', 'export default {};', { main: '../outside.mjs' });
    await pack(
      'g-bad-default',
      `export default { name: 'bad-default', version: '1', nodes: [
      { type: 'Bad', category: 'x', inputs: { n: { kind: 'INT', default: 5, max: 1 } }, outputs: [], run: () => [] }] };`,
    );
    const registry = createNodeRegistry();
    const report = await loadNodePacks(registry, dir);
    expect(report.loaded.map((p) => [p.name, p.nodes])).toEqual([
      ['double-pack', ['Double']],
      ['plain-pack', ['Plain']],
    ]);
    const reasons = Object.fromEntries(report.failed.map((f) => [path.basename(f.folder), f.message]));
    expect(Object.keys(reasons)).toEqual([
      'c-throws',
      'd-bad-export',
      'e-clash',
      'f-escape',
      'g-bad-default',
    ]);
    expect(reasons['c-throws']).toMatch(/c-throws.*pack exploded/);
    expect(reasons['d-bad-export']).toMatch(/d-bad-export.*name/);
    expect(reasons['e-clash']).toMatch(
      /'Plain' from pack 'clash-pack' is already registered by pack 'plain-pack'/,
    );
    expect(reasons['f-escape']).toMatch(/outside the pack folder/);
    expect(reasons['g-bad-default']).toMatch(/default 5 > max 1/);
    expect(registry.entry('Double')?.pack).toBe('double-pack');
    expect(registry.types()).toEqual(['Double', 'Plain']);
  });

  it('treats a missing packs folder as no packs', async () => {
    expect(await loadNodePacks(createNodeRegistry(), path.join(dir, 'nope'))).toEqual({
      loaded: [],
      failed: [],
    });
  });

  it('imports a pack through the exports field', async () => {
    await pack('h-exports', FACTORY_PACK, { main: 'index.mjs', exports: { '.': './index.mjs' } });
    expect((await importNodePack(path.join(dir, 'h-exports'))).name).toBe('double-pack');
  });
});
