import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExternalDataWriter } from './external-data-writer';
import { linear } from './linear';
import { OnnxBuilder } from './onnx-builder';
import { fromOrtTensor, toOrtTensor } from './ort-tensor';
import { assertClose, linearRef, randomTensor } from './test-reference';
import { writeModel } from './write-model';

const weight = randomTensor([32, 64], 91, 0.2);
const bias = randomTensor([32], 92);

function buildStreaming(dir: string) {
  const writer = ExternalDataWriter.open(dir, { threshold: 1024 });
  const b = OnnxBuilder.create({ externalData: writer });
  b.output(linear(b, { weight, bias }, b.input('x', 'float32', ['batch', 64]), { name: 'proj' }), 'y');
  return { b, writer };
}

describe(ExternalDataWriter.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'momaflow-stream-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes big initializers as they are added and the model loads from its folder', async () => {
    const { b, writer } = buildStreaming(dir);
    // Written before build(): the builder no longer holds the weight.
    expect(writer.byteLength).toBe(32 * 64 * 4);
    expect(b.snapshot().initializers.map((i) => i.name)).toEqual(['proj.bias']);
    expect(b.snapshot().externalInitializers.map((i) => [i.name, i.ref.offset])).toEqual([
      ['proj.weight', 0],
    ]);
    const model = b.build();
    expect(model.isSelfContained).toBe(false);
    expect(model.streamedData?.byteLength).toBe(32 * 64 * 4);
    const { modelPath, dataPath } = await writeModel(model, dir);
    expect(dataPath).toBe(join(dir, 'model.onnx.data'));
    expect((await readdir(dir)).sort()).toEqual(['model.onnx', 'model.onnx.data']);
    const session = await ort.InferenceSession.create(modelPath);
    try {
      const x = randomTensor([2, 64], 93);
      const out = await session.run({ x: toOrtTensor(x) });
      assertClose(fromOrtTensor(out.y!, 'float32').data, linearRef(x.data, 2, weight, bias), { atol: 1e-5 });
    } finally {
      await session.release();
    }
  });

  it('hashes the streamed bytes: the same build gives the same hash, other weights another', async () => {
    const first = buildStreaming(join(dir, 'a')).b.build();
    const again = buildStreaming(join(dir, 'b')).b.build();
    expect(again.hash).toBe(first.hash);
    const writer = ExternalDataWriter.open(join(dir, 'c'), { threshold: 1024 });
    const b = OnnxBuilder.create({ externalData: writer });
    const other = randomTensor([32, 64], 94);
    b.output(
      linear(b, { weight: other, bias }, b.input('x', 'float32', ['batch', 64]), { name: 'proj' }),
      'y',
    );
    expect(b.build().hash).not.toBe(first.hash);
    const bytes = await readFile(join(dir, 'a', 'model.onnx.data'));
    expect(bytes.byteLength).toBe(32 * 64 * 4);
  });

  it('refuses to write the model away from its streamed weights', async () => {
    const model = buildStreaming(join(dir, 'a')).b.build();
    await expect(writeModel(model, join(dir, 'elsewhere'))).rejects.toMatchObject({
      code: 'external_data_elsewhere',
    });
  });

  it('aborting leaves nothing behind and closes the writer', async () => {
    const { writer } = buildStreaming(dir);
    writer.abort();
    expect(await readdir(dir)).toEqual([]);
    expect(() => writer.write(weight)).toThrowError(
      expect.objectContaining({ code: 'external_data_closed' }),
    );
  });
});
