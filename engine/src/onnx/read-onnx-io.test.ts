import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { OnnxBuilder } from './onnx-builder';
import { MODEL_PROTO } from './onnx-schema';
import type { ModelProtoObject } from './proto-objects';
import { readOnnxIo } from './read-onnx-io';

function sampleModel() {
  const b = OnnxBuilder.create();
  const x = b.input('image', 'float32', [1, 3, 'height', 'width']);
  const w = b.initializer('weight', new Tensor('float32', [1, 3, 1, 1], new Float32Array([1, 2, 3])));
  const y = b.op('Conv', [x, w], {}, { shape: [1, 1, 'height', 'width'] });
  b.output(b.op('Sigmoid', [y]), 'mask', [1, 1, 'height', 'width']);
  b.output(b.op('Shape', [x], {}, { dtype: 'int64' }), 'size');
  return b.build();
}

describe(readOnnxIo.name, () => {
  it('reads names, element types and static or symbolic shapes', () => {
    const io = readOnnxIo(sampleModel().bytes);
    expect(io.inputs).toEqual([{ name: 'image', elemType: 'float32', shape: [1, 3, 'height', 'width'] }]);
    expect(io.outputs).toEqual([
      { name: 'mask', elemType: 'float32', shape: [1, 1, 'height', 'width'] },
      { name: 'size', elemType: 'int64', shape: undefined },
    ]);
  });

  it('leaves out initializers that old exporters also list as inputs', () => {
    // IR < 4 files list every initializer among the graph inputs.
    const model = MODEL_PROTO.toObject(MODEL_PROTO.decode(sampleModel().bytes)) as ModelProtoObject;
    model.graph.input.push({ name: 'weight', type: { tensor_type: { elem_type: 1 } } });
    const bytes = MODEL_PROTO.encode(MODEL_PROTO.fromObject(model)).finish();
    expect(readOnnxIo(bytes).inputs.map((i) => i.name)).toEqual(['image']);
  });

  it.each([
    ['random bytes', Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256)],
    ['an empty file', new Uint8Array(0)],
    ['a text file', new TextEncoder().encode('{"not": "onnx"}')],
  ])('refuses %s with invalid_onnx naming the file', (_what, bytes) => {
    expect(() => readOnnxIo(bytes, "'x.onnx'")).toThrow(expect.objectContaining({ code: 'invalid_onnx' }));
    expect(() => readOnnxIo(bytes, "'x.onnx'")).toThrow(/'x\.onnx'/);
  });

  it('reads this package file as not-ONNX rather than crashing', () => {
    const bytes = readFileSync(new URL('../../package.json', import.meta.url));
    expect(() => readOnnxIo(bytes)).toThrow(expect.objectContaining({ code: 'invalid_onnx' }));
  });
});
