import { describe, expect, it } from 'vitest';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, randomTensor, runModel, upsampleRef } from './test-reference';
import { upsampleNearest2x } from './upsample';

describe(upsampleNearest2x.name, () => {
  it('repeats every pixel 2x2 like torch nearest', async () => {
    const x = randomTensor([2, 3, 5, 4], 71);
    const b = OnnxBuilder.create();
    const y = upsampleNearest2x(b, b.input('x', 'float32', [2, 3, 5, 4]));
    expect(y.shape).toEqual([2, 3, 10, 8]);
    b.output(y, 'y');
    const out = await runModel(b.build(), { x });
    expect(out.y?.shape).toEqual([2, 3, 10, 8]);
    assertClose(out.y!.data as Float32Array, upsampleRef(x), { rtol: 0, atol: 0 });
  });
});
