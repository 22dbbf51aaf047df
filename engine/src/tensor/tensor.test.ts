import { describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { shapeSize, Tensor } from './tensor';

describe(Tensor.name, () => {
  it('ties data length to the shape', () => {
    expect(() => new Tensor('float32', [2, 3], new Float32Array(5))).toThrow(EngineError);
    const t = Tensor.zeros('int64', [2, 3]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(t.reshape([6]).shape).toEqual([6]);
    expect(() => t.reshape([4])).toThrow(/needs 4/);
  });

  it('clones deeply and freezes its shape', () => {
    const t = Tensor.filled([2], 1);
    const c = t.clone();
    c.data[0] = 5;
    expect(t.data[0]).toBe(1);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });

  it.each([[[-1]], [[1.5]], [[Number.NaN]]])('rejects shape %j', (shape) => {
    expect(() => shapeSize(shape)).toThrow(/invalid dimension/);
  });
});
