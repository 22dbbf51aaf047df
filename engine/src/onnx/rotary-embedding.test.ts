import { describe, expect, it } from 'vitest';
import { OnnxBuilder } from './onnx-builder';
import { applyRotary, rotaryTables } from './rotary-embedding';
import { assertClose, randomTensor, runModel } from './test-reference';

/** HF LLaMA `apply_rotary_pos_emb` with `rotate_half`, in float64, positions 0..S-1. */
function ropeRef(x: Float32Array, tokens: number, heads: number, dim: number, theta: number): number[] {
  const out: number[] = [];
  const half = dim / 2;
  for (let s = 0; s < tokens; s++)
    for (let h = 0; h < heads; h++) {
      const base = (s * heads + h) * dim;
      for (let i = 0; i < dim; i++) {
        const f = i % half;
        const angle = s / theta ** ((2 * f) / dim);
        const rotated = i < half ? -x[base + i + half]! : x[base + i - half]!;
        out.push(x[base + i]! * Math.cos(angle) + rotated * Math.sin(angle));
      }
    }
  return out;
}

describe(applyRotary.name, () => {
  it.each([
    { tokens: 7, heads: 3, dim: 8, theta: 10000 },
    { tokens: 40, heads: 2, dim: 16, theta: 500000 },
  ])('rotates each head like HF LLaMA ($tokens tokens, head dim $dim, theta $theta)', async (c) => {
    const x = randomTensor([1, c.tokens, c.heads * c.dim], 3);
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', [1, 'tokens', c.heads * c.dim]);
    const length = b.op('Slice', [
      b.op('Shape', [xi], {}, { dtype: 'int64' }),
      b.constInt64([1]),
      b.constInt64([2]),
    ]);
    const tables = rotaryTables(b, length, { headDim: c.dim, theta: c.theta });
    const y = applyRotary(b, xi, tables, { heads: c.heads, name: 'q' });
    expect(y.shape).toEqual([1, 'tokens', c.heads * c.dim]);
    b.output(y, 'y');
    const out = await runModel(b.build(), { x });
    // Angles reach 39 rad at position 39; float32 cos/sin of them carry ~4e-6 absolute error.
    assertClose(out.y!.data as Float32Array, ropeRef(x.data, c.tokens, c.heads, c.dim, c.theta), {
      atol: 2e-5,
      rtol: 1e-5,
    });
  });

  it('rejects an odd head dim', () => {
    const b = OnnxBuilder.create();
    expect(() => rotaryTables(b, b.constInt64([4]), { headDim: 7, theta: 1e4 })).toThrowError(
      expect.objectContaining({ code: 'invalid_option' }),
    );
  });
});
