import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { readExternalDataFiles } from './external-data-files';
import { OnnxBuilder } from './onnx-builder';
import { estimateSessionBytes } from './session-size';
import { writeModel } from './write-model';

/** y = x + c with a 1024-float constant, its weights in a side file when `external`. */
function model(external: boolean) {
  const b = OnnxBuilder.create();
  const x = b.input('x', 'float32', [1024]);
  b.output(b.op('Add', [x, b.initializer('c', Tensor.filled([1024], 1))]), 'y');
  return b.build(external ? { externalDataThreshold: 0 } : {});
}

describe(estimateSessionBytes.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'session-size-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts a file model and the external-data file its initializers name', async () => {
    const built = model(true);
    const { modelPath, dataPath } = await writeModel(built, dir);
    expect(await readExternalDataFiles(modelPath)).toEqual([built.externalData!.location]);
    const sizes = (await stat(modelPath)).size + (await stat(dataPath!)).size;
    expect(await estimateSessionBytes({ path: modelPath })).toBe(sizes);
    expect(await estimateSessionBytes({ model: built })).toBe(built.bytes.byteLength + 4 * 1024);
    expect(sizes).toBeGreaterThan(4 * 1024);
  });

  it('counts a self-contained model by its bytes', async () => {
    const built = model(false);
    const path = join(dir, 'inline.onnx');
    await writeFile(path, built.bytes);
    expect(await readExternalDataFiles(path)).toEqual([]);
    expect(await estimateSessionBytes({ path })).toBe(built.bytes.byteLength);
    expect(await estimateSessionBytes({ bytes: built.bytes })).toBe(built.bytes.byteLength);
  });

  it('walks models whose structure or weights span many read windows', async () => {
    // 2,000 external initializers: a model file of well over one 64 KiB window of tensor headers.
    const b = OnnxBuilder.create();
    let y = b.input('x', 'float32', [4]);
    for (let i = 0; i < 2000; i++) y = b.op('Add', [y, b.initializer(`c${i}`, Tensor.filled([4], i))]);
    b.output(y, 'y');
    const many = b.build({ externalDataThreshold: 0 });
    const { modelPath } = await writeModel(many, join(dir, 'many'));
    expect((await stat(modelPath)).size).toBeGreaterThan(2 * 64 * 1024);
    expect(await readExternalDataFiles(modelPath)).toEqual([many.externalData!.location]);
    // 1 MiB of inline weights, skipped by seeking past them.
    const big = OnnxBuilder.create();
    const x = big.input('x', 'float32', [2 ** 18]);
    big.output(big.op('Add', [x, big.initializer('c', Tensor.filled([2 ** 18], 1))]), 'y');
    const path = join(dir, 'big.onnx');
    await writeFile(path, big.build().bytes);
    expect(await readExternalDataFiles(path)).toEqual([]);
  });

  it('leaves files that are not ONNX to onnxruntime to refuse, counting their bytes', async () => {
    const path = join(dir, 'junk.onnx');
    await writeFile(path, 'not a model at all');
    await expect(readExternalDataFiles(path)).rejects.toThrow(/junk\.onnx is not a readable ONNX model/);
    expect(await estimateSessionBytes({ path })).toBe(18);
    expect(await estimateSessionBytes({ path: join(dir, 'missing.onnx') })).toBe(0);
  });
});
