import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, writeSafetensors } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHfWeights, resolveHfWeightFiles } from './hf-weight-files';

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-hf-files-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A fresh folder holding safetensors files of `{ file: keys }`, plus text files. */
async function folder(shards: Record<string, string[]>, text: Record<string, string> = {}): Promise<string> {
  const dir = join(root, `c${counter++}`);
  await mkdir(dir);
  for (const [file, keys] of Object.entries(shards)) {
    await writeSafetensors(join(dir, file), Object.fromEntries(keys.map((k) => [k, Tensor.filled([2], 1)])));
  }
  for (const [file, content] of Object.entries(text)) await writeFile(join(dir, file), content);
  return dir;
}

const index = (map: Record<string, string>) =>
  JSON.stringify({ metadata: { total_size: 0 }, weight_map: map });

describe(resolveHfWeightFiles.name, () => {
  it('follows a shard index, in shard order', async () => {
    const dir = await folder(
      { 'model-00002-of-00002.safetensors': ['b'], 'model-00001-of-00002.safetensors': ['a'] },
      {
        'model.safetensors.index.json': index({
          a: 'model-00001-of-00002.safetensors',
          b: 'model-00002-of-00002.safetensors',
        }),
      },
    );
    const found = await resolveHfWeightFiles(dir);
    expect(found.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    const reader = await openHfWeights(found);
    expect(reader.keys()).toEqual(['a', 'b']);
    await reader.close();
  });

  it('takes a single model.safetensors, numbered shards without an index, or the only weight file', async () => {
    expect((await resolveHfWeightFiles(await folder({ 'model.safetensors': ['a'] }))).files).toHaveLength(1);
    const numbered = await folder({
      'model-00001-of-00002.safetensors': ['a'],
      'model-00002-of-00002.safetensors': ['b'],
    });
    expect((await resolveHfWeightFiles(numbered)).files).toHaveLength(2);
    expect(
      (await resolveHfWeightFiles(await folder({ 'clip-vit-l.safetensors': ['a'] }))).files,
    ).toHaveLength(1);
  });

  it.each([
    [
      'an index naming a shard that is not there',
      () =>
        folder(
          { 'model-00001-of-00002.safetensors': ['a'] },
          {
            'model.safetensors.index.json': index({
              a: 'model-00001-of-00002.safetensors',
              b: 'model-00002-of-00002.safetensors',
            }),
          },
        ),
      'shard_missing',
      'model-00002-of-00002.safetensors',
    ],
    [
      'a numbered shard missing from the set',
      () => folder({ 'model-00001-of-00003.safetensors': ['a'], 'model-00003-of-00003.safetensors': ['c'] }),
      'shard_missing',
      'model-00002-of-00003.safetensors',
    ],
    [
      'an index that is not JSON',
      () => folder({}, { 'pytorch_model.bin.index.json': '{nope' }),
      'shard_index_invalid',
      'pytorch_model.bin.index.json',
    ],
    [
      'an index naming a file outside the folder',
      () => folder({}, { 'model.safetensors.index.json': index({ a: '../x.safetensors' }) }),
      'shard_index_invalid',
      '../x.safetensors',
    ],
    [
      'a folder without weights',
      () => folder({}, { 'config.json': '{}' }),
      'weights_not_found',
      'no weights found',
    ],
  ])('refuses %s, naming it', async (_what, make, code, named) => {
    const dir = await make();
    const err = await resolveHfWeightFiles(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code });
    expect(String((err as Error).message)).toContain(named);
  });

  it('refuses an index that puts a key in the wrong shard', async () => {
    const dir = await folder(
      { 'model-00001-of-00002.safetensors': ['a'], 'model-00002-of-00002.safetensors': ['b'] },
      {
        'model.safetensors.index.json': index({
          a: 'model-00002-of-00002.safetensors',
          b: 'model-00002-of-00002.safetensors',
        }),
      },
    );
    await expect(openHfWeights(await resolveHfWeightFiles(dir))).rejects.toMatchObject({
      code: 'shard_index_mismatch',
    });
  });
});
