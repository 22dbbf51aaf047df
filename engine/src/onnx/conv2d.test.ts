import { describe, expect, it } from 'vitest';
import { conv2d } from './conv2d';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, conv2dRef, randomTensor, runModel } from './test-reference';

describe(conv2d.name, () => {
  it.each([
    { stride: 1, padding: 1, groups: 1, k: 3 },
    { stride: 2, padding: 1, groups: 1, k: 3 },
    { stride: 2, padding: 1, groups: 2, k: 3 },
    { stride: 1, padding: 0, groups: 4, k: 1 },
  ])('matches torch Conv2d (stride $stride, padding $padding, groups $groups, k $k)', async (o) => {
    const inC = 8;
    const outC = 12;
    const weight = randomTensor([outC, inC / o.groups, o.k, o.k], 11, 0.2);
    const bias = randomTensor([outC], 12);
    const x = randomTensor([2, inC, 7, 6], 13);
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', [2, inC, 7, 6]);
    b.output(conv2d(b, { weight, bias }, xi, { ...o, name: 'conv' }), 'y');
    const out = await runModel(b.build(), { x });
    const ref = conv2dRef(x, weight, bias, o);
    expect(out.y?.shape).toEqual(ref.shape);
    assertClose(out.y!.data as Float32Array, ref.data, { atol: 1e-5 });
  });

  it('rejects groups that do not divide the output channels', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 6, 4, 4]);
    expect(() => conv2d(b, { weight: randomTensor([4, 2, 3, 3], 1) }, x, { groups: 3 })).toThrowError(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });
});
