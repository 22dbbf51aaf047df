import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { dequantizeBlockwise, matmulNBits, quantizeBlockwise } from './matmul-nbits';
import { OnnxBuilder } from './onnx-builder';
import { FLOAT_WEIGHTS, quantizedLinear, type WeightQuantization } from './quantized-linear';
import { assertClose, linearRef, randomTensor, runModel } from './test-reference';

describe(quantizeBlockwise.name, () => {
  it.each([
    { bits: 4, blockSize: 16, k: 40 },
    { bits: 4, blockSize: 32, k: 64 },
    { bits: 8, blockSize: 16, k: 40 },
    { bits: 8, blockSize: 128, k: 96 },
  ] as const)(
    'round-trips within half a step ($bits bits, block $blockSize, K $k)',
    ({ bits, blockSize, k }) => {
      const w = randomTensor([5, k], 1, 0.2);
      const q = quantizeBlockwise(w, { bits, blockSize });
      const blocks = Math.ceil(k / blockSize);
      expect(q.data.shape).toEqual([5, blocks, (blockSize * bits) / 8]);
      expect(q.scales.shape).toEqual([5 * blocks]);
      expect(q.zeroPoints.shape).toEqual([5 * Math.ceil((blocks * bits) / 8)]);
      const back = dequantizeBlockwise(q);
      for (let i = 0; i < w.size; i++) {
        const scale = q.scales.data[Math.floor(i / k) * blocks + Math.floor((i % k) / blockSize)]!;
        expect(Math.abs(back.data[i]! - w.data[i]!)).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    },
  );

  it('keeps zeros exact and an all-zero block at scale 0', () => {
    const w = new Tensor('float32', [2, 16], new Float32Array(32));
    w.data.set([0.5, 0, -0.25, 0, 0.1], 0);
    const back = dequantizeBlockwise(quantizeBlockwise(w, { bits: 4, blockSize: 16 }));
    expect(back.data[1]).toBe(0);
    expect(back.data[3]).toBe(0);
    expect([...back.data.subarray(16)]).toEqual(new Array(16).fill(0));
  });

  it.each([[{ bits: 3, blockSize: 32 }], [{ bits: 4, blockSize: 24 }], [{ bits: 8, blockSize: 8 }]])(
    'rejects %j',
    (o) => {
      expect(() => quantizeBlockwise(randomTensor([2, 32], 1), o as never)).toThrowError(
        expect.objectContaining({ code: 'invalid_option' }),
      );
    },
  );
});

describe(matmulNBits.name, () => {
  it.each([
    { bits: 4, blockSize: 32, accuracyLevel: 0 },
    { bits: 4, blockSize: 16, accuracyLevel: 4 },
    { bits: 8, blockSize: 32, accuracyLevel: 0 },
    { bits: 8, blockSize: 64, accuracyLevel: 4 },
  ] as const)('multiplies by the dequantized weight in onnxruntime (%j)', async (o) => {
    // K = 80 is not a multiple of every block size: the padding must read as zeros.
    const w = randomTensor([24, 80], 2, 0.1);
    const x = randomTensor([3, 7, 80], 3);
    const q = quantizeBlockwise(w, o);
    const b = OnnxBuilder.create();
    const y = matmulNBits(b, q, b.input('x', 'float32', [3, 'tokens', 80]), { ...o, name: 'q_proj' });
    expect(y.shape).toEqual([3, 'tokens', 24]);
    b.output(y, 'y');
    expect(b.snapshot().initializers.map((i) => i.name)).toEqual([
      'q_proj.weight',
      'q_proj.weight_scales',
      'q_proj.weight_zero_points',
    ]);
    const out = await runModel(b.build(), { x });
    const expected = linearRef(x.data, 21, dequantizeBlockwise(q));
    // Level 4 also quantizes the activations to int8 per block: about 1% of a typical output.
    const tol = o.accuracyLevel === 4 ? 5e-2 : 1e-4;
    assertClose(out.y!.data as Float32Array, expected, { atol: tol, rtol: tol });
  });
});

describe(quantizedLinear.name, () => {
  it.each<[string, WeightQuantization]>([
    ['float', FLOAT_WEIGHTS],
    ['int8', { kind: 'nbits', bits: 8, blockSize: 16, accuracyLevel: 0 }],
  ])('adds the bias after the %s product', async (_name, quantization) => {
    const weight = randomTensor([6, 32], 4, 0.2);
    const bias = randomTensor([6], 5);
    const x = randomTensor([2, 32], 6);
    const b = OnnxBuilder.create();
    b.output(
      quantizedLinear(b, { weight, bias }, b.input('x', 'float32', [2, 32]), { quantization, name: 'fc1' }),
      'y',
    );
    const out = await runModel(b.build(), { x });
    assertClose(out.y!.data as Float32Array, linearRef(x.data, 2, weight, bias), { atol: 2e-2, rtol: 2e-2 });
  });
});
