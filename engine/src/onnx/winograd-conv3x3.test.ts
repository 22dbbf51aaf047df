import { describe, expect, it } from 'vitest';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, conv2dRef, randomTensor, runModel } from './test-reference';
import { winogradConv3x3, winogradKernel } from './winograd-conv3x3';

describe(winogradConv3x3.name, () => {
  it.each([
    { n: 1, inC: 16, outC: 16, h: 8, w: 12, bias: true, symbolic: false },
    { n: 2, inC: 16, outC: 32, h: 7, w: 5, bias: true, symbolic: false },
    { n: 1, inC: 32, outC: 16, h: 9, w: 13, bias: false, symbolic: true },
    { n: 2, inC: 16, outC: 16, h: 1, w: 2, bias: true, symbolic: true },
    { n: 1, inC: 3, outC: 5, h: 12, w: 4, bias: true, symbolic: true },
  ])(
    'matches torch Conv2d(3x3, padding 1) on [$n, $inC, $h, $w] -> $outC channels (bias $bias, symbolic $symbolic)',
    async (o) => {
      const weight = randomTensor([o.outC, o.inC, 3, 3], 21, 0.2);
      const bias = o.bias ? randomTensor([o.outC], 22) : undefined;
      const x = randomTensor([o.n, o.inC, o.h, o.w], 23);
      const b = OnnxBuilder.create();
      const xi = b.input('x', 'float32', o.symbolic ? ['n', o.inC, 'h', 'w'] : [o.n, o.inC, o.h, o.w]);
      b.output(winogradConv3x3(b, { weight, bias }, xi, { name: 'conv' }), 'y');
      const out = await runModel(b.build(), { x });
      const ref = conv2dRef(x, weight, bias, { stride: 1, padding: 1, groups: 1 });
      expect(out.y?.shape).toEqual(ref.shape);
      // F(4x4, 3x3) scales window sums by up to 25 before the products: error relative to the output's
      // range, about 1e-5 here, not to each element.
      const scale = Math.max(...ref.data.map(Math.abs));
      assertClose(out.y!.data as Float32Array, ref.data, { atol: 2e-5 * scale, rtol: 0 });
    },
  );

  it('shares the input transform between convs with the same input channels', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 8, 8, 8]);
    const w = { weight: randomTensor([8, 8, 3, 3], 1) };
    b.output(winogradConv3x3(b, w, winogradConv3x3(b, w, x, { name: 'a' }), { name: 'b' }), 'y');
    const names = b.snapshot().initializers.map((i) => i.name);
    expect(names.filter((n) => n.includes('winograd_input_transform'))).toHaveLength(1);
    expect(names).toContain('a.weight.winograd');
    expect(names).toContain('b.weight.winograd');
  });

  it('lays out G g G^T transform point major', () => {
    // A kernel that is 1 at its centre: G g G^T = (G e1)(G e1)^T with G e1 = [0, -1/6, 1/6, 1/12, -1/12, 0].
    const weight = randomTensor([2, 3, 3, 3], 5);
    weight.data.fill(0);
    weight.data[(1 * 3 + 2) * 9 + 4] = 1; // out 1, in 2, centre
    const v = winogradKernel(weight);
    expect(v.shape).toEqual([36 * 2, 3, 1, 1]);
    const g = [0, -1 / 6, 1 / 6, 1 / 12, -1 / 12, 0];
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 6; c++) {
        expect(v.data[((r * 6 + c) * 2 + 1) * 3 + 2]).toBeCloseTo(g[r]! * g[c]!, 7);
        expect(Math.abs(v.data[((r * 6 + c) * 2 + 0) * 3 + 2]!)).toBe(0);
      }
    }
  });

  it('refuses a kernel that is not 3x3', () => {
    const b = OnnxBuilder.create();
    const x = b.input('x', 'float32', [1, 4, 8, 8]);
    expect(() => winogradConv3x3(b, { weight: randomTensor([4, 4, 1, 1], 1) }, x)).toThrowError(
      expect.objectContaining({ code: 'invalid_weight' }),
    );
  });
});
