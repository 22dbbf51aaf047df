import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, runModel, timestepEmbeddingRef } from './test-reference';
import { timestepEmbedding } from './timestep-embedding';

async function embed(ts: number[], o: { dim: number; flipSinToCos: boolean; downscaleFreqShift: number }) {
  const b = OnnxBuilder.create();
  b.output(timestepEmbedding(b, b.input('t', 'float32', ['batch']), o), 'emb');
  const out = await runModel(b.build(), { t: new Tensor('float32', [ts.length], Float32Array.from(ts)) });
  return out.emb!;
}

describe(timestepEmbedding.name, () => {
  const SD = { dim: 32, flipSinToCos: true, downscaleFreqShift: 0 };

  it('gives diffusers values for t=0 and t=999 (dim 32, flip_sin_to_cos, shift 0)', async () => {
    const emb = await embed([0, 999], SD);
    expect(emb.shape).toEqual([2, 32]);
    const d = emb.data as Float32Array;
    // t = 0: cos(0) = 1 in the first half (flipped), sin(0) = 0 in the second.
    assertClose(d.subarray(0, 32), [...new Array<number>(16).fill(1), ...new Array<number>(16).fill(0)], {
      rtol: 0,
      atol: 0,
    });
    // t = 999, pinned: freq_0 = 1, freq_8 = 0.01, freq_15 = 10^-3.75 (float32, as torch computes them).
    const row = d.subarray(32, 64);
    assertClose(
      [row[0]!, row[16]!, row[8]!, row[15]!, row[31]!],
      [0.99964985, -0.02646075, -0.84446982, 0.98426168, 0.17671716],
      {
        rtol: 0,
        atol: 2e-6,
      },
    );
  });

  it.each([
    { dim: 32, flipSinToCos: true, downscaleFreqShift: 0 },
    { dim: 320, flipSinToCos: true, downscaleFreqShift: 0 },
    { dim: 16, flipSinToCos: false, downscaleFreqShift: 1 },
    { dim: 15, flipSinToCos: false, downscaleFreqShift: 1 },
  ])(
    'matches get_timestep_embedding for dim $dim, flip $flipSinToCos, shift $downscaleFreqShift',
    async (o) => {
      const ts = [0, 1, 10.5, 500, 999];
      const emb = await embed(ts, o);
      expect(emb.shape).toEqual([ts.length, o.dim]);
      assertClose(emb.data as Float32Array, timestepEmbeddingRef(ts, o), { atol: 2e-6 });
    },
  );
});
