import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '../tensor';
import { openWeights } from './open-weights';
import { SafetensorsReader } from './safetensors-reader';
import { encodeSafetensors } from './safetensors-writer';
import { fixturePath } from './test-utils/fixtures';
import { buildTorchFile } from './test-utils/torch-file-builder';
import { TorchReader } from './torch-reader';
import { torchStatePickle } from './torch-writer';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'momaflow-open-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const safetensorsBytes = encodeSafetensors({ w: Tensor.filled([2], 1) });
const torchBytes = buildTorchFile({
  pickle: torchStatePickle({
    w: { storageType: 'FloatStorage', key: '0', numel: 2, offset: 0, shape: [2], stride: [1] },
  }),
  storages: { '0': new Uint8Array(new Float32Array([1, 1]).buffer) },
});

describe(openWeights.name, () => {
  it.each([
    ['safetensors named .safetensors', 'a.safetensors', safetensorsBytes, SafetensorsReader],
    ['safetensors named .bin', 'model.bin', safetensorsBytes, SafetensorsReader],
    ['a torch archive named .pt', 'a.pt', torchBytes, TorchReader],
    ['a torch archive named .safetensors', 'mislabelled.safetensors', torchBytes, TorchReader],
    ['a torch archive without extension', 'noext', torchBytes, TorchReader],
  ])('opens %s by its content', async (_name, file, bytes, Reader) => {
    const path = join(dir, file);
    await writeFile(path, bytes);
    const r = await openWeights(path);
    expect(r).toBeInstanceOf(Reader);
    expect([...(await r.readFloat32('w')).data]).toEqual([1, 1]);
    await r.close();
  });

  it.each([
    ['fixture tiny-sd.safetensors', 'tiny-sd.safetensors', SafetensorsReader],
    ['fixture llava pytorch_model.bin', 'tiny-moma/llava/pytorch_model.bin', TorchReader],
    ['fixture attn_adapters_projectors.th', 'tiny-moma/attn_adapters_projectors.th', TorchReader],
  ])('opens %s', async (_name, rel, Reader) => {
    const r = await openWeights(fixturePath(rel));
    expect(r).toBeInstanceOf(Reader);
    expect(r.keys().length).toBeGreaterThan(0);
    await r.close();
  });

  it('lets the extension pick the reader of an unrecognisable file, so its error is specific', async () => {
    const junk = new TextEncoder().encode('not weights at all');
    await writeFile(join(dir, 'x.safetensors'), junk);
    await writeFile(join(dir, 'x.ckpt'), junk);
    await writeFile(join(dir, 'x.txt'), junk);
    await expect(openWeights(join(dir, 'x.safetensors'))).rejects.toMatchObject({
      code: 'safetensors_header_too_large',
    });
    await expect(openWeights(join(dir, 'x.ckpt'))).rejects.toMatchObject({ code: 'torch_not_an_archive' });
    await expect(openWeights(join(dir, 'x.txt'))).rejects.toMatchObject({ code: 'weight_format_unknown' });
    await expect(openWeights(join(dir, 'absent.pt'))).rejects.toMatchObject({
      code: 'weight_file_unreadable',
    });
  });

  it('reads a copy of a fixture under another name identically', async () => {
    const copy = join(dir, 'copy.pth');
    await copyFile(fixturePath('tiny-moma/attn_adapters_projectors.th'), copy);
    const r = await openWeights(copy);
    expect(r.keys()).toHaveLength(62);
    await r.close();
  });
});
