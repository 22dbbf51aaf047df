import { conv2d, OnnxBuilder, Tensor, upsampleNearest2x } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { parityError, seeded, withSession } from '../ldm-config/test-support';
import { foldUpsampleKernel, upsampleConv3x3 } from './vae-upsample';

describe(foldUpsampleKernel.name, () => {
  // Kernel rows/cols 0..2 hold 1, 10, 100 (rows) times 1, 2, 4 (cols): each sum of folded taps is unique.
  const k = new Tensor(
    'float32',
    [1, 1, 3, 3],
    Float32Array.from([1, 10, 100].flatMap((r) => [1, 2, 4].map((c) => r * c))),
  );
  it.each([
    [0, 0, [1, 2 + 4, 110, 110 * 6]],
    [0, 1, [1 + 2, 4, 110 * 3, 110 * 4]],
    [1, 0, [11, 11 * 6, 100, 600]],
    [1, 1, [11 * 3, 44, 300, 400]],
  ])('phase (%i, %i)', (i, j, expected) => {
    expect(Array.from(foldUpsampleKernel(k, i, j).data)).toEqual(expected);
  });
});

describe(upsampleConv3x3.name, () => {
  it('equals a 3x3 conv after a nearest 2x upsample, on a non-square batch', async () => {
    const weights = { weight: seeded([5, 3, 3, 3], 1), bias: seeded([5], 2) };
    const x = seeded([2, 3, 4, 7], 3);
    const build = (folded: boolean) => {
      const b = OnnxBuilder.create();
      const input = b.input('x', 'float32', ['batch', 3, 'h', 'w']);
      const y = folded
        ? b.scope('conv', () => upsampleConv3x3(b, weights, input))
        : conv2d(b, weights, upsampleNearest2x(b, input), { padding: 1, name: 'conv' });
      b.output(y, 'y');
      return b.build();
    };
    const run = (folded: boolean) =>
      withSession(build(folded), async (s) => {
        const { fromOrtTensor, toOrtTensor } = await import('@momaflow/engine');
        const out = await s.run({ x: toOrtTensor(x) });
        return fromOrtTensor(out.y!, 'float32');
      });
    const [folded, reference] = [await run(true), await run(false)];
    expect(folded.shape).toEqual([2, 5, 8, 14]);
    const { maxDiff } = parityError(folded, reference);
    expect(maxDiff).toBeLessThan(1e-5);
  });
});
