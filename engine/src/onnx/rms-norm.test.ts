import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { OnnxBuilder } from './onnx-builder';
import { rmsNorm } from './rms-norm';
import { assertClose, randomTensor, runModel } from './test-reference';

/** HF `LlamaRMSNorm` in float64. */
function rmsNormRef(x: Tensor<'float32'>, weight: Tensor<'float32'>, eps: number): number[] {
  const d = x.shape.at(-1)!;
  const y: number[] = [];
  for (let r = 0; r < x.size / d; r++) {
    const row = x.data.subarray(r * d, (r + 1) * d);
    const inv = 1 / Math.sqrt(row.reduce((a, v) => a + v * v, 0) / d + eps);
    for (const [i, v] of row.entries()) y.push(v * inv * weight.data[i]!);
  }
  return y;
}

describe(rmsNorm.name, () => {
  it.each([17, 18])('matches LlamaRMSNorm over the last axis (opset %i)', async (opset) => {
    const x = randomTensor([2, 5, 64], 11, 2);
    const weight = randomTensor([64], 12);
    const b = OnnxBuilder.create({ opset });
    const xi = b.input('x', 'float32', ['batch', 'tokens', 64]);
    b.output(rmsNorm(b, { weight }, xi, { eps: 1e-6, name: 'input_layernorm' }), 'y');
    expect(b.snapshot().initializers.map((i) => i.name)).toContain('input_layernorm.weight');
    const out = await runModel(b.build(), { x });
    assertClose(out.y!.data as Float32Array, rmsNormRef(x, weight, 1e-6), { atol: 1e-5 });
  });

  it('rejects a scale of the wrong size', () => {
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', [1, 8]);
    expect(() => rmsNorm(b, { weight: Tensor.filled([4], 1) }, xi, { eps: 1e-5 })).toThrowError(
      expect.objectContaining({ code: 'shape_mismatch' }),
    );
  });
});
