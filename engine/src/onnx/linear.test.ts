import { describe, expect, it } from 'vitest';
import type { EngineError } from '../errors/engine-error';
import { Tensor } from '../tensor/tensor';
import { float16ToFloat32Array, float32ToFloat16Array } from '../weights/float16';
import { linear } from './linear';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, linearRef, randomTensor, runModel } from './test-reference';

describe(linear.name, () => {
  it.each([
    { name: 'with bias', withBias: true },
    { name: 'without bias', withBias: false },
  ])('matches x Wᵀ + b on [2, 3, 16] -> 24 ($name)', async ({ withBias }) => {
    const weight = randomTensor([24, 16], 1, 0.3);
    const bias = withBias ? randomTensor([24], 2) : undefined;
    const x = randomTensor([2, 3, 16], 3);
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', ['batch', 3, 16]);
    const y = linear(b, { weight, bias }, xi, { name: 'to_q' });
    expect(y.shape).toEqual(['batch', 3, 24]);
    b.output(y, 'y');
    const out = await runModel(b.build(), { x });
    expect(out.y?.shape).toEqual([2, 3, 24]);
    assertClose(out.y!.data as Float32Array, linearRef(x.data, 6, weight, bias));
  });

  it('builds float16 graphs from float16 weights', async () => {
    const half = (t: Tensor<'float32'>) => new Tensor('float16', t.shape, float32ToFloat16Array(t.data));
    const widen = (t: Tensor<'float16'>) => new Tensor('float32', t.shape, float16ToFloat32Array(t.data));
    const weight = half(randomTensor([8, 16], 4, 0.3));
    const bias = half(randomTensor([8], 5));
    const x = half(randomTensor([3, 16], 6));
    const b = OnnxBuilder.create();
    b.output(linear(b, { weight, bias }, b.input('x', 'float16', [3, 16])), 'y');
    const out = await runModel(b.build(), { x });
    expect(out.y?.dtype).toBe('float16');
    // float16 keeps 11 significant bits: compare at that precision.
    assertClose(
      float16ToFloat32Array(out.y!.data as Uint16Array),
      linearRef(widen(x).data, 3, widen(weight), widen(bias)),
      {
        rtol: 4e-3,
        atol: 4e-3,
      },
    );
  });

  it('names initializers by checkpoint key under the scope', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 4]);
    b.scope('attn1', () =>
      linear(b, { weight: randomTensor([2, 4], 1), bias: randomTensor([2], 2) }, x, { name: 'to_q' }),
    );
    expect(b.snapshot().initializers.map((i) => i.name)).toEqual(['attn1.to_q.weight', 'attn1.to_q.bias']);
    // Stored transposed ([in, out]) so MatMul needs no Transpose node.
    expect(b.snapshot().initializers[0]?.tensor.shape).toEqual([4, 2]);
  });

  it('rejects an input whose feature count does not match the weight', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 5]);
    const weight = new Tensor('float32', [2, 4], new Float32Array(8));
    expect(() => linear(b, { weight }, x)).toThrowError(
      expect.objectContaining({ code: 'shape_mismatch' }) as EngineError,
    );
  });
});
