import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor';
import { writeSafetensors } from './safetensors-writer';
import { ShardedReader } from './sharded-reader';
import { useTempFiles } from './test-utils/temp-files';
import { runWeightReaderContract } from './test-utils/weight-reader-contract';

const tmp = useTempFiles('sharded');

runWeightReaderContract({
  name: 'sharded safetensors',
  floatDType: 'F16',
  tmpDir: tmp.dir,
  // Two shards: the floats in one, the ints in the other; `open` takes the folder.
  make: async (d, t) => {
    const folder = join(d, 'contract-shards');
    await mkdir(folder, { recursive: true });
    const floats = Object.fromEntries(
      Object.entries(t.floats).map(([k, v]) => [k, new Tensor('float32', v.shape, v.data)]),
    );
    const ints = Object.fromEntries(
      Object.entries(t.ints).map(([k, v]) => [k, new Tensor('int64', v.shape, v.data)]),
    );
    await writeSafetensors(join(folder, 'model-00001-of-00002.safetensors'), floats, { dtype: 'F16' });
    await writeSafetensors(join(folder, 'model-00002-of-00002.safetensors'), ints);
    return folder;
  },
  open: (folder) =>
    ShardedReader.open(
      [join(folder, 'model-00001-of-00002.safetensors'), join(folder, 'model-00002-of-00002.safetensors')],
      { path: folder },
    ),
});

describe(ShardedReader.name, () => {
  it('names the shard each key lives in', async () => {
    const a = tmp.path('.safetensors');
    const b = tmp.path('.safetensors');
    await writeSafetensors(a, { x: Tensor.filled([2], 1) });
    await writeSafetensors(b, { y: Tensor.filled([3], 2) });
    const r = await ShardedReader.open([a, b]);
    try {
      expect(r.fileOf('y')).toBe(b);
      expect(r.path).toBe(`${a} (+1 shards)`);
      await expect(r.read('z')).rejects.toMatchObject({ code: 'weight_not_found' });
    } finally {
      await r.close();
    }
  });

  it('refuses a key stored in two shards', async () => {
    const a = tmp.path('.safetensors');
    const b = tmp.path('.safetensors');
    await writeSafetensors(a, { x: Tensor.filled([2], 1) });
    await writeSafetensors(b, { x: Tensor.filled([2], 2) });
    await expect(ShardedReader.open([a, b])).rejects.toMatchObject({ code: 'weight_key_clash' });
  });

  it('reports an unreadable shard by its path', async () => {
    const missing = tmp.path('.safetensors');
    await expect(ShardedReader.open([missing])).rejects.toMatchObject({ code: 'weight_file_unreadable' });
  });
});
