import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleSource, openWeightFile, readRange, reopeningSource, withWeightFile } from './weight-file';

let dir = '';
let path = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-weight-file-'));
  path = join(dir, 'ten.bin');
  await writeFile(
    path,
    Uint8Array.from({ length: 10 }, (_, i) => i),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe(readRange.name, () => {
  it('reads exactly the requested range', async () => {
    expect([...(await withWeightFile(path, (h) => readRange(h, 3, 4, path)))]).toEqual([3, 4, 5, 6]);
  });

  it('rejects a range past the end with weight_file_truncated naming the file', async () => {
    await expect(withWeightFile(path, (h) => readRange(h, 8, 4, path))).rejects.toMatchObject({
      code: 'weight_file_truncated',
      message: expect.stringContaining(path),
    });
  });
});

describe(handleSource.name, () => {
  it('reads until closed, then rejects with weight_reader_closed', async () => {
    const src = handleSource(await openWeightFile(path), path);
    expect(await src.size()).toBe(10);
    expect([...(await src.read(0, 2))]).toEqual([0, 1]);
    await src.close();
    await expect(src.read(0, 1)).rejects.toMatchObject({ code: 'weight_reader_closed' });
  });
});

describe(reopeningSource.name, () => {
  it('reads without holding the file open', async () => {
    const src = reopeningSource(path);
    expect(await src.size()).toBe(10);
    expect([...(await src.read(9, 1))]).toEqual([9]);
  });

  it('reports a missing file with weight_file_unreadable', async () => {
    await expect(reopeningSource(join(dir, 'gone')).read(0, 1)).rejects.toMatchObject({
      code: 'weight_file_unreadable',
    });
  });
});
