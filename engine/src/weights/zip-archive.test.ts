import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from './test-utils/fixtures';
import type { ZipBuildOptions, ZipFileSpec } from './test-utils/zip-builder';
import { buildZip } from './test-utils/zip-builder';
import { handleSource, openWeightFile } from './weight-file';
import { ZipArchive } from './zip-archive';

let dir = '';
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-zip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withZip<T>(bytes: Uint8Array, use: (zip: ZipArchive) => Promise<T>): Promise<T> {
  const path = join(dir, `z${counter++}.zip`);
  await writeFile(path, bytes);
  const src = handleSource(await openWeightFile(path), path);
  try {
    return await use(await ZipArchive.open(src));
  } finally {
    await src.close();
  }
}

const enc = new TextEncoder();
const FILES: ZipFileSpec[] = [
  { name: 'a/data.pkl', data: enc.encode('pickle bytes') },
  { name: 'a/data/0', data: Uint8Array.from({ length: 100 }, (_, i) => i), localPadding: 37 },
  { name: 'a/big.txt', data: enc.encode('x'.repeat(5000)), deflate: true },
  { name: 'a/empty', data: new Uint8Array(0) },
];

describe(ZipArchive.name, () => {
  it.each<[string, ZipBuildOptions]>([
    ['plain', {}],
    ['ZIP64', { zip64: true }],
    ['with a comment', { comment: 'PK\u0005\u0006 looks like an end record' }],
  ])('reads entries and slices (%s)', async (_name, options) => {
    await withZip(buildZip(FILES, options), async (zip) => {
      expect([...zip.entries.keys()]).toEqual(FILES.map((f) => f.name));
      expect(new TextDecoder().decode(await zip.read('a/data.pkl'))).toBe('pickle bytes');
      expect([...(await zip.readSlice('a/data/0', 10, 5))]).toEqual([10, 11, 12, 13, 14]);
      expect((await zip.read('a/big.txt')).length).toBe(5000);
      expect(new TextDecoder().decode(await zip.readSlice('a/big.txt', 4990, 10))).toBe('x'.repeat(10));
      expect((await zip.read('a/empty')).length).toBe(0);
    });
  });

  it('reads the storages of a torch-written archive (fixture)', async () => {
    const path = fixturePath('tiny-moma/attn_adapters_projectors.th');
    const src = handleSource(await openWeightFile(path), path);
    try {
      const zip = await ZipArchive.open(src);
      expect(new TextDecoder().decode(await zip.read('attn_adapters_projectors/byteorder'))).toBe('little');
      expect(zip.entries.get('attn_adapters_projectors/data/0')).toMatchObject({ method: 0, size: 8192 });
    } finally {
      await src.close();
    }
  });

  it.each([
    ['slice past the entry', (z: ZipArchive) => z.readSlice('a/data/0', 90, 20), 'zip_malformed'],
    ['missing entry', (z: ZipArchive) => z.read('a/nope'), 'zip_entry_missing'],
  ])('rejects a %s', async (_name, act, code) => {
    await withZip(buildZip(FILES), async (zip) => {
      await expect(act(zip)).rejects.toMatchObject({ code });
    });
  });

  /** Patches a 16-bit field of the first central directory record. */
  function patchCentral(bytes: Uint8Array, field: number, value: number): Uint8Array {
    const out = bytes.slice();
    const v = new DataView(out.buffer);
    for (let i = out.length - 22; i >= 0; i--) {
      if (v.getUint32(i, true) === 0x02014b50) {
        // Walk back to the first central record: the directory offset is in the end record.
        const cdStart = v.getUint32(out.length - 22 + 16, true);
        v.setUint16(cdStart + field, value, true);
        return out;
      }
    }
    throw new Error('no central directory');
  }

  it.each([
    ['random bytes', Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256)],
    ['a tiny file', new Uint8Array(5)],
    ['a cut archive', buildZip(FILES).subarray(0, 200)],
    ['an encrypted entry', patchCentral(buildZip(FILES), 8, 1)],
    ['an unknown compression method', patchCentral(buildZip(FILES), 10, 12)],
    [
      'an entry count larger than the directory',
      (() => {
        const b = buildZip(FILES);
        new DataView(b.buffer).setUint16(b.length - 22 + 10, 50, true);
        return b;
      })(),
    ],
  ])('rejects %s with zip_malformed', async (_name, bytes) => {
    const path = join(dir, `bad${counter++}.zip`);
    await writeFile(path, bytes);
    const src = handleSource(await openWeightFile(path), path);
    await expect(ZipArchive.open(src)).rejects.toMatchObject({
      code: 'zip_malformed',
      message: expect.stringContaining(path),
    });
    await src.close();
  });
});
