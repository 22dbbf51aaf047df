import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { denoisedFromEpsilon, scaleModelInput } from './eps-parameterization';

const t = (values: number[]): Tensor => new Tensor('float32', [values.length], Float32Array.from(values));

describe(scaleModelInput.name, () => {
  it('divides by sqrt(sigma^2 + 1)', () => {
    expect(Array.from(scaleModelInput(t([5, -10]), 2).data)).toEqual(
      [5 / Math.sqrt(5), -10 / Math.sqrt(5)].map(Math.fround),
    );
    expect(Array.from(scaleModelInput(t([5]), 0).data)).toEqual([5]);
  });
});

describe(denoisedFromEpsilon.name, () => {
  it('recovers x0 from x = x0 + sigma * eps', () => {
    const x0 = [0.5, -1.25];
    const eps = [2, 0.25];
    const sigma = 3;
    const x = t(x0.map((v, i) => v + sigma * eps[i]!));
    expect(Array.from(denoisedFromEpsilon(x, t(eps), sigma).data)).toEqual(x0);
  });
});
