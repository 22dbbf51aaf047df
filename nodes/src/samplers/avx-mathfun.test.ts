import { describe, expect, it } from 'vitest';
import { log256, sincos256 } from './avx-mathfun';

const ULP_1 = 2 ** -23;

describe(log256.name, () => {
  it('is within 2 float32 ulps of the true log over the Box-Muller domain (0, 1]', () => {
    for (let k = 1; k <= 1 << 24; k += 977) {
      const x = k * 2 ** -24;
      const err = Math.abs(log256(x) - Math.log(x));
      expect(err, `x=${x}`).toBeLessThanOrEqual(2 * ULP_1 * Math.max(Math.abs(Math.log(x)), 2 ** -24));
    }
  });

  it('is exact at 1 and 0.5 and NaN at or below 0', () => {
    expect(log256(1)).toBe(0);
    expect(log256(0.5)).toBe(Math.fround(Math.log(0.5)));
    expect(log256(0)).toBeNaN();
    expect(log256(-1)).toBeNaN();
  });
});

describe(sincos256.name, () => {
  it('is within 3e-7 of the true sine and cosine on [0, 2pi)', () => {
    for (let k = 0; k < 1 << 24; k += 1013) {
      const theta = Math.fround(Math.fround(2 * Math.PI) * k * 2 ** -24);
      const [s, c] = sincos256(theta);
      expect(Math.abs(s - Math.sin(theta)), `theta=${theta}`).toBeLessThan(3e-7);
      expect(Math.abs(c - Math.cos(theta)), `theta=${theta}`).toBeLessThan(3e-7);
    }
  });

  it('is odd in the sine and even in the cosine', () => {
    const [s, c] = sincos256(Math.fround(-2.5));
    const [s2, c2] = sincos256(Math.fround(2.5));
    expect(s).toBe(-s2);
    expect(c).toBe(c2);
  });
});
