import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { tensorOf } from './image-test-utils';
import { RESAMPLE_METHODS, type ResampleMethod, resample } from './resample';

/** Deterministic pseudo-random values in [0,1). */
function noise(shape: readonly number[], seed: number): Tensor<'float32'> {
  let s = seed;
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  });
  return new Tensor('float32', shape, data);
}

/**
 * Independent reference: every output pixel as a direct double sum over the input with weights
 * written straight from the torch formulas (plain doubles, no shared code with the module).
 */
type Weights1d = (o: number, inSize: number, outSize: number) => [number, number][];
const clamp = (i: number, n: number) => Math.min(Math.max(i, 0), n - 1);
const REFERENCE: Record<'bilinear' | 'bicubic' | 'area', Weights1d> = {
  bilinear: (o, n, m) => {
    const src = Math.max((o + 0.5) * (n / m) - 0.5, 0);
    const i = Math.floor(src);
    const l = src - i;
    return [
      [Math.min(i, n - 1), 1 - l],
      [Math.min(i + 1, n - 1), l],
    ];
  },
  bicubic: (o, n, m) => {
    const A = -0.75;
    const k = (x: number) => {
      const a = Math.abs(x);
      if (a <= 1) return (A + 2) * a ** 3 - (A + 3) * a ** 2 + 1;
      if (a < 2) return A * a ** 3 - 5 * A * a ** 2 + 8 * A * a - 4 * A;
      return 0;
    };
    const src = (o + 0.5) * (n / m) - 0.5;
    const i = Math.floor(src);
    return [-1, 0, 1, 2].map((d) => [clamp(i + d, n), k(src - (i + d))]);
  },
  area: (o, n, m) => {
    const start = Math.floor((o * n) / m);
    const end = Math.ceil(((o + 1) * n) / m);
    return Array.from({ length: end - start }, (_, k) => [start + k, 1 / (end - start)]);
  },
};

function reference(input: Tensor<'float32'>, width: number, height: number, weights: Weights1d): number[] {
  const [batch = 0, inH = 0, inW = 0, channels = 0] = input.shape;
  const out: number[] = [];
  for (let n = 0; n < batch; n++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (const [iy, wy] of weights(y, inH, height))
            for (const [ix, wx] of weights(x, inW, width))
              sum += wy * wx * input.data[((n * inH + iy) * inW + ix) * channels + c]!;
          out.push(sum);
        }
  return out;
}

const values = (t: Tensor<'float32'>) => [...t.data];
const row = (vals: number[]) => tensorOf([1, 1, vals.length, 1], vals);

describe(resample.name, () => {
  it('bilinear 2x2 -> 4x4 gives torch F.interpolate(align_corners=False) values', () => {
    const out = resample(tensorOf([1, 2, 2, 1], [0, 1, 2, 3]), { width: 4, height: 4, method: 'bilinear' });
    expect(out.shape).toEqual([1, 4, 4, 1]);
    expect(values(out)).toEqual([
      0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3,
    ]);
  });

  it('bicubic [0, 1] -> 4 gives the hand-computed Keys (A = -0.75) values, overshoot included', () => {
    const out = resample(row([0, 1]), { width: 4, height: 1, method: 'bicubic' });
    expect(values(out)).toEqual([-0.10546875, 0.2265625, 0.7734375, 1.10546875]);
  });

  it.each([
    [3, 5, [0, 0, 1, 2, 2]],
    [5, 2, [1, 3]],
    [4, 8, [0, 0, 1, 1, 2, 2, 3, 3]],
    [6, 3, [1, 3, 5]],
  ])('nearest-exact %i -> %i picks floor((o + 0.5) * in/out) = %j', (inSize, outSize, picks) => {
    const out = resample(row(Array.from({ length: inSize }, (_, i) => i)), {
      width: outSize,
      height: 1,
      method: 'nearest-exact',
    });
    expect(values(out)).toEqual(picks);
  });

  it('area downscale by an integer factor gives block means', () => {
    const input = tensorOf([1, 2, 4, 1], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(values(resample(input, { width: 2, height: 1, method: 'area' }))).toEqual([3.5, 5.5]);
  });

  it('area with a non-integer factor averages adaptive_avg_pool windows', () => {
    // 5 -> 3: windows [0,2), [1,4), [3,5).
    const out = resample(row([1, 2, 3, 4, 10]), { width: 3, height: 1, method: 'area' });
    expect(values(out)).toEqual([1.5, 3, 7]);
  });

  it.each([
    ['bilinear', 5, 7, 9, 4],
    ['bilinear', 6, 6, 3, 11],
    ['bicubic', 5, 7, 9, 4],
    ['bicubic', 8, 3, 5, 7],
    ['area', 7, 9, 3, 4],
    ['area', 3, 4, 7, 5],
  ] as const)('%s %ix%i -> %ix%i matches the direct 2D reference', (method, h, w, outH, outW) => {
    const input = noise([2, h, w, 3], h * 31 + w);
    const out = resample(input, { width: outW, height: outH, method });
    expect(out.shape).toEqual([2, outH, outW, 3]);
    const expected = reference(input, outW, outH, REFERENCE[method]);
    values(out).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
  });

  it.each(RESAMPLE_METHODS)(
    '%s keeps a same-size image unchanged and a constant image constant',
    (method) => {
      const input = noise([1, 6, 5, 2], 7);
      values(resample(input, { width: 5, height: 6, method })).forEach((v, i) => {
        expect(v).toBeCloseTo(input.data[i]!, 6);
      });
      for (const [width, height] of [
        [11, 13],
        [2, 3],
      ]) {
        const flat = resample(Tensor.filled([1, 6, 5, 1], 0.25), { width: width!, height: height!, method });
        for (const v of flat.data) expect(v).toBeCloseTo(0.25, 6);
      }
    },
  );

  it('lanczos widens its kernel when shrinking (PIL antialiasing)', () => {
    // 8 -> 4: scale 2, support 6, centres at 1, 3, 5, 7; weights lanczos3((i - c + 0.5) / 2), normalised.
    const input = noise([1, 1, 8, 1], 3);
    const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));
    const expected = [1, 3, 5, 7].map((c) => {
      let sum = 0;
      let total = 0;
      for (let i = 0; i < 8; i++) {
        const x = (i - c + 0.5) / 2;
        const w = Math.abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0;
        sum += w * input.data[i]!;
        total += w;
      }
      return sum / total;
    });
    values(resample(input, { width: 4, height: 1, method: 'lanczos' })).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 6);
    });
  });

  it('resamples every channel and batch item independently', () => {
    const input = noise([2, 4, 4, 5], 11);
    const out = resample(input, { width: 3, height: 2, method: 'bicubic' as ResampleMethod });
    const single = resample(new Tensor('float32', [1, 4, 4, 5], input.data.slice(80)), {
      width: 3,
      height: 2,
      method: 'bicubic',
    });
    expect([...out.data.slice(30)]).toEqual([...single.data]);
  });

  it('rejects tensors that are not NHWC and sizes below 1', () => {
    expect(() =>
      resample(Tensor.zeros('float32', [4, 4, 3]), { width: 2, height: 2, method: 'area' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_shape' }));
    expect(() =>
      resample(Tensor.zeros('float32', [1, 4, 4, 3]), { width: 0, height: 2, method: 'area' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_size' }));
  });
});
