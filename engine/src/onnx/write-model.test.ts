import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linear } from './linear';
import { OnnxBuilder } from './onnx-builder';
import { fromOrtTensor, toOrtTensor } from './ort-tensor';
import { assertClose, linearRef, randomTensor } from './test-reference';
import { writeModel } from './write-model';

const weight = randomTensor([32, 64], 81, 0.2);
const bias = randomTensor([32], 82);

function build(threshold?: number) {
  const b = OnnxBuilder.create();
  const x = b.input('x', 'float32', ['batch', 64]);
  b.output(linear(b, { weight, bias }, x, { name: 'proj' }), 'y');
  return b.build(threshold === undefined ? {} : { externalDataThreshold: threshold });
}

describe(writeModel.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'momaflow-onnx-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes initializers over the threshold to an aligned side file that onnxruntime loads', async () => {
    const model = build(1024);
    expect(model.externalData?.location).toBe('model.onnx.data');
    // The 8 KiB weight goes out; the 128-byte bias stays inline.
    expect(model.externalData?.byteLength).toBe(32 * 64 * 4);
    expect(model.bytes.byteLength).toBeLessThan(2048);
    const { modelPath, dataPath } = await writeModel(model, dir);
    expect((await stat(dataPath!)).size).toBe(32 * 64 * 4);

    const session = await ort.InferenceSession.create(modelPath);
    try {
      const x = randomTensor([3, 64], 83);
      const out = await session.run({ x: toOrtTensor(x) });
      assertClose(fromOrtTensor(out.y!, 'float32').data, linearRef(x.data, 3, weight, bias), { atol: 1e-5 });
    } finally {
      await session.release();
    }
  });

  it('starts every external tensor at a 4 KiB-aligned offset (ONNX recommends it for mmap)', async () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [250]);
    const at = randomTensor([250], 84);
    const ct = randomTensor([250], 85);
    const a = b.initializer('a', at);
    const c = b.initializer('c', ct);
    b.output(b.op('Mul', [b.op('Add', [x, a]), c]), 'y');
    const model = b.build({ externalDataThreshold: 0 });
    expect(model.externalData?.byteLength).toBe(4096 + 1000);
    const { modelPath } = await writeModel(model, dir);
    const session = await ort.InferenceSession.create(modelPath);
    try {
      const xs = randomTensor([250], 86);
      const out = fromOrtTensor((await session.run({ x: toOrtTensor(xs) })).y!, 'float32');
      const ref = Array.from(xs.data, (v, i) => (v + at.data[i]!) * ct.data[i]!);
      assertClose(out.data, ref);
    } finally {
      await session.release();
    }
  });

  it('hashes external data: same weights same hash, inline and external layouts differ', () => {
    expect(build(1024).hash).toBe(build(1024).hash);
    expect(build(1024).hash).not.toBe(build().hash);
    expect(build().externalData).toBeNull();
  });

  it('skips writing when asked and the model file exists', async () => {
    const model = build(0);
    await writeModel(model, dir);
    const before = (await stat(join(dir, 'model.onnx'))).mtimeMs;
    await writeModel(model, dir, { skipIfExists: true });
    expect((await stat(join(dir, 'model.onnx'))).mtimeMs).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['model.onnx', 'model.onnx.data']);
  });

  it('rejects an external-data location that is not a plain file name', () => {
    const b = OnnxBuilder.create();
    b.output(b.input('x', 'float32', [1]), 'y');
    expect(() => b.build({ externalDataLocation: '../w.bin' })).toThrowError(
      expect.objectContaining({ code: 'invalid_name' }),
    );
  });
});
