import { describe, it } from 'vitest';
import { layerNorm } from './layer-norm';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, layerNormRef, randomTensor, runModel } from './test-reference';

describe(layerNorm.name, () => {
  it.each([
    { affine: true, eps: 1e-5 },
    { affine: false, eps: 1e-6 },
  ])('matches torch LayerNorm over the last axis (affine $affine)', async ({ affine, eps }) => {
    const x = randomTensor([2, 7, 48], 41, 3);
    const weight = affine ? randomTensor([48], 42) : undefined;
    const bias = affine ? randomTensor([48], 43) : undefined;
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', ['batch', 'tokens', 48]);
    b.output(layerNorm(b, { weight, bias }, xi, { eps, name: 'norm1' }), 'y');
    const out = await runModel(b.build(), { x });
    assertClose(out.y!.data as Float32Array, layerNormRef(x, eps, weight, bias), { atol: 1e-5 });
  });
});
