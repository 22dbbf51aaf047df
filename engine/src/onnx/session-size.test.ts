import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { OnnxBuilder } from './onnx-builder';
import { readExternalDataFiles } from './read-onnx-io';
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
    expect(readExternalDataFiles(built.bytes)).toEqual([built.externalData!.location]);
    const sizes = (await stat(modelPath)).size + (await stat(dataPath!)).size;
    expect(await estimateSessionBytes({ path: modelPath })).toBe(sizes);
    expect(await estimateSessionBytes({ model: built })).toBe(built.bytes.byteLength + 4 * 1024);
    expect(sizes).toBeGreaterThan(4 * 1024);
  });

  it('counts a self-contained model by its bytes', async () => {
    const built = model(false);
    expect(readExternalDataFiles(built.bytes)).toEqual([]);
    const path = join(dir, 'inline.onnx');
    await writeFile(path, built.bytes);
    expect(await estimateSessionBytes({ path })).toBe(built.bytes.byteLength);
    expect(await estimateSessionBytes({ bytes: built.bytes })).toBe(built.bytes.byteLength);
  });

  it('leaves files that are not ONNX to onnxruntime to refuse, counting their bytes', async () => {
    const path = join(dir, 'junk.onnx');
    await writeFile(path, 'not a model at all');
    expect(await estimateSessionBytes({ path })).toBe(18);
    expect(await estimateSessionBytes({ path: join(dir, 'missing.onnx') })).toBe(0);
  });
});
