import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { tensorsDigest } from './tensor-digest';

describe(tensorsDigest.name, () => {
  const a = Tensor.filled([2, 2], 1);
  it.each([
    ['another value', [['a', Tensor.filled([2, 2], 2)]]],
    ['another shape', [['a', Tensor.filled([4], 1)]]],
    ['another name', [['b', a]]],
    ['another dtype', [['a', new Tensor('int32', [2, 2], Int32Array.of(1, 1, 1, 1))]]],
  ] as const)('changes with %s', (_, other) => {
    expect(tensorsDigest(other)).not.toBe(tensorsDigest([['a', a]]));
  });

  it('reads only the view, not the buffer behind it', () => {
    const big = new Float32Array([9, 1, 1, 1, 1, 9]);
    expect(tensorsDigest([['a', new Tensor('float32', [2, 2], big.subarray(1, 5))]])).toBe(
      tensorsDigest([['a', a]]),
    );
  });
});
