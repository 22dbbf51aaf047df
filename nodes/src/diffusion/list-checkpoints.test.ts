import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCheckpoints } from './list-checkpoints';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'momaflow-ckpts-'));
  const files = [
    'sd15.safetensors',
    'OLD.CKPT',
    'notes.txt',
    '.hidden.safetensors',
    'anime/v2.safetensors',
    'pipe/model_index.json',
    'pipe/unet/diffusion_pytorch_model.safetensors',
  ];
  for (const file of files) {
    await mkdir(join(root, file, '..'), { recursive: true });
    await writeFile(join(root, file), '');
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe(listCheckpoints.name, () => {
  it('lists single files in subfolders and diffusers folders as themselves, sorted', async () => {
    expect(await listCheckpoints(root)).toEqual([
      'OLD.CKPT',
      'anime/v2.safetensors',
      'pipe',
      'sd15.safetensors',
    ]);
  });

  it('offers nothing for a missing folder', async () => {
    expect(await listCheckpoints(join(root, 'missing'))).toEqual([]);
  });
});
