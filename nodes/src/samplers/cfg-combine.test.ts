import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { cfgCombine } from './cfg-combine';

const t = (values: number[]): Tensor => new Tensor('float32', [values.length], Float32Array.from(values));

describe(cfgCombine.name, () => {
  it.each([
    [1, [3, -1, 10]],
    [0, [1, 1, 0]],
    [7.5, [16, -14, 75]],
    [-1, [-1, 3, -10]],
  ])('computes uncond + %d * (cond - uncond)', (scale, expected) => {
    expect(Array.from(cfgCombine(t([1, 1, 0]), t([3, -1, 10]), scale).data)).toEqual(expected);
  });

  it('keeps the shape and rejects mismatched inputs', () => {
    const a = Tensor.filled([1, 4, 2, 2], 1);
    expect(cfgCombine(a, a, 5).shape).toEqual([1, 4, 2, 2]);
    expect(() => cfgCombine(a, Tensor.filled([1, 4, 4], 1), 5)).toThrow(
      expect.objectContaining({ code: 'shape_mismatch' }),
    );
  });
});
