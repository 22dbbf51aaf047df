import { describe, expect, it } from 'vitest';
import { measureMatmulGflops } from './matmul-gflops';

describe(measureMatmulGflops.name, () => {
  it('times a MatMul and reports consistent numbers', async () => {
    const r = await measureMatmulGflops({ n: 128, threads: 1, iterations: 2 });
    expect(r.bestSeconds).toBeGreaterThan(0);
    expect(r.gflops).toBeCloseTo((2 * 128 ** 3) / r.bestSeconds / 1e9, 6);
  });

  it('rejects a non-positive size', async () => {
    await expect(measureMatmulGflops({ n: 0, threads: 1 })).rejects.toMatchObject({ code: 'invalid_option' });
  });
});
