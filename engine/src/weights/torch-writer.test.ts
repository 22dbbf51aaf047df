import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { float32ToFloat16Array } from './float16';
import { useTempFiles } from './test-utils/temp-files';
import { openTorchFile } from './torch-reader';
import { type TorchSaveTensor, writeTorchFile } from './torch-writer';
import { handleSource, openWeightFile } from './weight-file';
import { ZipArchive } from './zip-archive';

const tmp = useTempFiles('torch-writer');

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

const half = (values: number[], shape: number[]): TorchSaveTensor => ({
  dtype: 'F16',
  shape,
  bytes: () => bytesOf(float32ToFloat16Array(Float32Array.from(values))),
});

describe(writeTorchFile.name, () => {
  it('writes a nested state dict that the torch reader reads back, storages 64-byte aligned', async () => {
    const path = tmp.path('.th');
    await writeTorchFile(path, {
      projectors: {
        'proj.weight': half([1, -2, 0.5, 4, 0, 3], [2, 3]),
        'norm.bias': { dtype: 'F32', shape: [3], bytes: () => bytesOf(Float32Array.of(0.25, -1, 7)) },
      },
      llm_mapping: {
        'mapping.ids': { dtype: 'I64', shape: [2], bytes: () => bytesOf(BigInt64Array.of(5n, -9n)) },
      },
    });
    const r = await openTorchFile(path);
    try {
      expect(r.keys()).toEqual(['llm_mapping.mapping.ids', 'projectors.norm.bias', 'projectors.proj.weight']);
      expect(r.info('projectors.proj.weight')).toEqual({
        name: 'projectors.proj.weight',
        dtype: 'F16',
        shape: [2, 3],
      });
      expect([...(await r.readFloat32('projectors.proj.weight')).data]).toEqual([1, -2, 0.5, 4, 0, 3]);
      expect([...(await r.readFloat32('projectors.norm.bias')).data]).toEqual([0.25, -1, 7]);
      expect([...(await r.read('llm_mapping.mapping.ids')).data]).toEqual([5n, -9n]);
    } finally {
      await r.close();
    }
    const src = handleSource(await openWeightFile(path), path);
    try {
      const zip = await ZipArchive.open(src);
      const names = [...zip.entries.keys()];
      expect(names).toEqual([
        'archive/data.pkl',
        'archive/byteorder',
        'archive/data/0',
        'archive/data/1',
        'archive/data/2',
        'archive/version',
      ]);
      // The local header (30 bytes + name + extra) ends where the data starts.
      const bytes = await readFile(path);
      for (const name of names.filter((n) => n.includes('/data/'))) {
        const at = zip.entries.get(name)!.localHeaderOffset;
        const view = new DataView(bytes.buffer, bytes.byteOffset + at);
        const dataStart = at + 30 + view.getUint16(26, true) + view.getUint16(28, true);
        expect(dataStart % 64, name).toBe(0);
      }
    } finally {
      await src.close();
    }
  });

  it('rejects a storage of the wrong size and leaves no file behind', async () => {
    const path = tmp.path('.bin');
    await expect(writeTorchFile(path, { w: half([1, 2, 3], [2, 2]) })).rejects.toMatchObject({
      code: 'invalid_shape',
    });
    expect(await readdir(tmp.dir())).not.toContain(path.split('/').at(-1));
    expect((await readdir(tmp.dir())).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
