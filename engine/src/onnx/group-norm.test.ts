import { describe, expect, it } from 'vitest';
import { groupNorm } from './group-norm';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, groupNormRef, randomTensor, runModel } from './test-reference';

describe(groupNorm.name, () => {
  it.each([
    { opset: 17, affine: true, eps: 1e-5 },
    { opset: 17, affine: false, eps: 1e-6 },
    { opset: 21, affine: true, eps: 1e-6 },
    { opset: 21, affine: false, eps: 1e-5 },
  ])(
    'matches torch GroupNorm with 32 groups (opset $opset, affine $affine)',
    async ({ opset, affine, eps }) => {
      const c = 64;
      const x = randomTensor([2, c, 5, 3], 21, 2);
      // Shift the input so mean removal matters.
      for (let i = 0; i < x.size; i++) x.data[i] = x.data[i]! + 0.5;
      const weight = affine ? randomTensor([c], 22) : undefined;
      const bias = affine ? randomTensor([c], 23) : undefined;
      const b = OnnxBuilder.create({ opset });
      const xi = b.input('x', 'float32', ['batch', c, 'h', 'w']);
      b.output(groupNorm(b, { weight, bias }, xi, { groups: 32, eps, channels: c, name: 'norm1' }), 'y');
      const model = b.build();
      const ops = b.snapshot().nodes.map((n) => n.opType);
      expect(ops.includes('GroupNormalization')).toBe(opset >= 21);
      const out = await runModel(model, { x });
      assertClose(out.y!.data as Float32Array, groupNormRef(x, 32, eps, weight, bias), { atol: 1e-5 });
    },
  );

  it('works on rank-3 input [N, C, L]', async () => {
    const x = randomTensor([1, 8, 10], 31);
    const weight = randomTensor([8], 32);
    const bias = randomTensor([8], 33);
    const b = OnnxBuilder.create();
    b.output(groupNorm(b, { weight, bias }, b.input('x', 'float32', [1, 8, 10]), { groups: 4 }), 'y');
    const out = await runModel(b.build(), { x });
    assertClose(out.y!.data as Float32Array, groupNormRef(x, 4, 1e-5, weight, bias), { atol: 1e-5 });
  });

  it('rejects a group count that does not divide the channels', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 10, 2, 2]);
    expect(() => groupNorm(b, {}, x, { groups: 3 })).toThrowError(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });
});
