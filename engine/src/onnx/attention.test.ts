import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor/tensor';
import { attention } from './attention';
import { fusedAttention } from './fused-attention';
import { OnnxBuilder } from './onnx-builder';
import { assertClose, attentionRef, randomTensor, runModel } from './test-reference';

const HEADS = 8;
const C = 64;

/** q [2, 12, C] against k/v [2, 7, C]: cross-attention with different lengths. */
function inputs() {
  return {
    q: randomTensor([2, 12, C], 51),
    k: randomTensor([2, 7, C], 52),
    v: randomTensor([2, 7, C], 53),
  };
}

/** A mask-like bias [1, 1, 12, 7]: 0 or -10000 (kept finite, as masks in SD pipelines are). */
function maskBias(): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [1, 1, 12, 7]);
  for (let i = 0; i < t.size; i++) t.data[i] = i % 5 === 0 ? -10000 : 0;
  return t;
}

function build(variant: 'plain' | 'fused', withBias: boolean) {
  const b = OnnxBuilder.create();
  const q = b.input('q', 'float32', ['batch', 'n', C]);
  const k = b.input('k', 'float32', ['batch', 'm', C]);
  const v = b.input('v', 'float32', ['batch', 'm', C]);
  const bias = withBias ? b.input('bias', 'float32', [1, 1, 'n', 'm']) : undefined;
  if (variant === 'plain') {
    const r = attention(b, q, k, v, { heads: HEADS, bias, name: 'attn2' });
    b.output(r.out, 'out');
    b.output(r.probs, 'probs');
  } else {
    b.output(fusedAttention(b, q, k, v, { heads: HEADS, bias, name: 'attn2' }), 'out');
  }
  return b.build();
}

describe(attention.name, () => {
  it.each([{ withBias: false }, { withBias: true }])(
    'matches the reference, heads 8, q/kv lengths 12/7 (bias $withBias)',
    async ({ withBias }) => {
      const io = inputs();
      const bias = withBias ? maskBias() : undefined;
      const out = await runModel(build('plain', withBias), { ...io, ...(bias ? { bias } : {}) });
      const ref = attentionRef(io.q, io.k, io.v, HEADS, 1 / Math.sqrt(C / HEADS), bias);
      expect(out.out?.shape).toEqual([2, 12, C]);
      expect(out.probs?.shape).toEqual([2, HEADS, 12, 7]);
      assertClose(out.out!.data as Float32Array, ref.out, { atol: 1e-5 });
      assertClose(out.probs!.data as Float32Array, ref.probs, { atol: 1e-6 });
    },
  );

  it('returns probabilities whose rows sum to 1', async () => {
    const out = await runModel(build('plain', false), inputs());
    const probs = out.probs!.data as Float32Array;
    const sums = Array.from({ length: probs.length / 7 }, (_, r) =>
      probs.subarray(r * 7, r * 7 + 7).reduce((a, b) => a + b, 0),
    );
    assertClose(sums, new Array<number>(sums.length).fill(1), { atol: 1e-6 });
  });

  it('needs a scale when the channel dim is not static', () => {
    const b = OnnxBuilder.create();
    const q = b.input('q', 'float32', ['batch', 'n', 'c']);
    expect(() => attention(b, q, q, q, { heads: 8 })).toThrowError(
      expect.objectContaining({ code: 'unknown_dim' }),
    );
  });
});

describe(fusedAttention.name, () => {
  it.each([{ withBias: false }, { withBias: true }])(
    'agrees with the plain-op attention (bias $withBias)',
    async ({ withBias }) => {
      const io = inputs();
      const bias = withBias ? maskBias() : undefined;
      const feeds = { ...io, ...(bias ? { bias } : {}) };
      const plain = await runModel(build('plain', withBias), feeds);
      const fused = await runModel(build('fused', withBias), feeds);
      expect(fused.out?.shape).toEqual([2, 12, C]);
      assertClose(fused.out!.data as Float32Array, Array.from(plain.out!.data as Float32Array), {
        atol: 1e-5,
      });
    },
  );

  it('emits one com.microsoft MultiHeadAttention node and imports the domain', () => {
    const b = OnnxBuilder.create();
    const q = b.input('q', 'float32', [1, 4, C]);
    b.output(fusedAttention(b, q, q, q, { heads: HEADS }), 'out');
    const snap = b.snapshot();
    expect(snap.nodes.filter((n) => n.domain === 'com.microsoft').map((n) => n.opType)).toEqual([
      'MultiHeadAttention',
    ]);
    expect(snap.domains).toEqual({ 'com.microsoft': 1 });
  });
});
