import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { DType } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';
import { fromOrtTensor, toOrtTensor } from './ort-tensor';

describe(toOrtTensor.name, () => {
  it.each<Tensor<DType>>([
    new Tensor('float32', [2, 2], Float32Array.of(1, 2, 3, 4)),
    new Tensor('float16', [2], Uint16Array.of(0x3c00, 0xc000)),
    new Tensor('int64', [3], BigInt64Array.of(1n, -2n, 3n)),
    new Tensor('int32', [1, 3], Int32Array.of(7, 8, 9)),
    new Tensor('uint8', [2], Uint8Array.of(0, 255)),
  ])('round-trips $dtype without copying', (t) => {
    const o = toOrtTensor(t);
    expect(o.type).toBe(t.dtype);
    expect(o.dims).toEqual(t.shape);
    const back = fromOrtTensor(o, t.dtype);
    expect(back.data).toBe(t.data);
    expect(back.shape).toEqual(t.shape);
  });

  it('rejects a dtype mismatch and unsupported types', () => {
    const o = new ort.Tensor('float32', Float32Array.of(1), [1]);
    expect(() => fromOrtTensor(o, 'int64')).toThrowError(expect.objectContaining({ code: 'dtype_mismatch' }));
    const s = new ort.Tensor('float64', Float64Array.of(1), [1]);
    expect(() => fromOrtTensor(s)).toThrowError(expect.objectContaining({ code: 'unsupported_dtype' }));
  });
});
