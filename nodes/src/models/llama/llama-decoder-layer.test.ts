import { FLOAT_WEIGHTS, OnnxBuilder, rotaryTables, Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { WeightMap, WeightScope } from '../ldm-config';
import { seededWeight } from '../tiny/seeded-init';
import { causalMask } from './causal-mask';
import type { LlamaConfig } from './llama-config';
import { llamaDecoderLayer, llamaQuantization } from './llama-decoder-layer';
import { runOnce } from './test-run';

/** transformers' LlamaDecoderLayer in float64 (eager attention, repeat_kv, rotate_half RoPE). */
function reference(
  x: Float32Array,
  tokens: number,
  c: LlamaConfig,
  w: (k: string) => Float32Array,
): number[] {
  const h = c.hiddenSize;
  const rms = (v: number[], weight: Float32Array) => {
    const out: number[] = [];
    for (let t = 0; t < tokens; t++) {
      const row = v.slice(t * h, (t + 1) * h);
      const inv = 1 / Math.sqrt(row.reduce((a, b) => a + b * b, 0) / h + c.rmsNormEps);
      for (let i = 0; i < h; i++) out.push(row[i]! * inv * weight[i]!);
    }
    return out;
  };
  const matmul = (v: number[], weight: Float32Array, outF: number, inF: number) => {
    const out: number[] = [];
    for (let t = 0; t < tokens; t++)
      for (let o = 0; o < outF; o++) {
        let s = 0;
        for (let i = 0; i < inF; i++) s += v[t * inF + i]! * weight[o * inF + i]!;
        out.push(s);
      }
    return out;
  };
  const rope = (v: number[], heads: number) => {
    const d = c.headDim;
    const out = v.slice();
    for (let t = 0; t < tokens; t++)
      for (let hd = 0; hd < heads; hd++)
        for (let i = 0; i < d; i++) {
          const f = i % (d / 2);
          const angle = t / c.ropeTheta ** ((2 * f) / d);
          const base = (t * heads + hd) * d;
          const rotated = i < d / 2 ? -v[base + i + d / 2]! : v[base + i - d / 2]!;
          out[base + i] = v[base + i]! * Math.cos(angle) + rotated * Math.sin(angle);
        }
    return out;
  };
  const x64 = Array.from(x);
  const n1 = rms(x64, w('input_layernorm.weight'));
  const q = rope(matmul(n1, w('self_attn.q_proj.weight'), c.heads * c.headDim, h), c.heads);
  const k = rope(matmul(n1, w('self_attn.k_proj.weight'), c.kvHeads * c.headDim, h), c.kvHeads);
  const v = matmul(n1, w('self_attn.v_proj.weight'), c.kvHeads * c.headDim, h);
  const ctx = new Array<number>(tokens * c.heads * c.headDim).fill(0);
  const rep = c.heads / c.kvHeads;
  for (let hd = 0; hd < c.heads; hd++) {
    const kv = Math.floor(hd / rep);
    for (let t = 0; t < tokens; t++) {
      const scores: number[] = [];
      for (let s = 0; s <= t; s++) {
        let dot = 0;
        for (let i = 0; i < c.headDim; i++)
          dot += q[(t * c.heads + hd) * c.headDim + i]! * k[(s * c.kvHeads + kv) * c.headDim + i]!;
        scores.push(dot / Math.sqrt(c.headDim));
      }
      const max = Math.max(...scores);
      const e = scores.map((s) => Math.exp(s - max));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let s = 0; s <= t; s++)
        for (let i = 0; i < c.headDim; i++)
          ctx[(t * c.heads + hd) * c.headDim + i]! +=
            (e[s]! / sum) * v[(s * c.kvHeads + kv) * c.headDim + i]!;
    }
  }
  const attended = matmul(ctx, w('self_attn.o_proj.weight'), h, c.heads * c.headDim).map(
    (a, i) => a + x64[i]!,
  );
  const n2 = rms(attended, w('post_attention_layernorm.weight'));
  const gate = matmul(n2, w('mlp.gate_proj.weight'), c.intermediateSize, h);
  const up = matmul(n2, w('mlp.up_proj.weight'), c.intermediateSize, h);
  const act = gate.map((g, i) => (g / (1 + Math.exp(-g))) * up[i]!);
  return matmul(act, w('mlp.down_proj.weight'), h, c.intermediateSize).map((d, i) => d + attended[i]!);
}

const CONFIG: LlamaConfig = {
  hiddenSize: 48,
  intermediateSize: 80,
  layers: 1,
  heads: 6,
  kvHeads: 2,
  headDim: 8,
  vocabSize: 10,
  rmsNormEps: 1e-5,
  ropeTheta: 500,
};

function layerWeights(c: LlamaConfig): Record<string, Tensor<'float32'>> {
  const h = c.hiddenSize;
  const shapes: Record<string, number[]> = {
    'input_layernorm.weight': [h],
    'post_attention_layernorm.weight': [h],
    'self_attn.q_proj.weight': [c.heads * c.headDim, h],
    'self_attn.k_proj.weight': [c.kvHeads * c.headDim, h],
    'self_attn.v_proj.weight': [c.kvHeads * c.headDim, h],
    'self_attn.o_proj.weight': [h, c.heads * c.headDim],
    'mlp.gate_proj.weight': [c.intermediateSize, h],
    'mlp.up_proj.weight': [c.intermediateSize, h],
    'mlp.down_proj.weight': [h, c.intermediateSize],
  };
  return Object.fromEntries(
    Object.entries(shapes).map(([k, s]) => {
      const t = seededWeight({ seed: 7, key: k, shape: s });
      // Norm scales away from 1, so a swapped or missing scale shows.
      if (s.length === 1) for (let i = 0; i < t.size; i++) t.data[i] = 0.5 + ((i * 37) % 11) / 10;
      return [k, t];
    }),
  );
}

describe(llamaDecoderLayer.name, () => {
  it.each([
    ['grouped key/value heads (6 query heads on 2)', CONFIG],
    ['one key/value head per query head', { ...CONFIG, kvHeads: 6 }],
  ])('matches transformers LlamaDecoderLayer with %s', async (_name, c) => {
    const tokens = 9;
    const weights = layerWeights(c);
    const x = seededWeight({ seed: 3, key: 'x', shape: [1, tokens, c.hiddenSize] });
    const b = OnnxBuilder.create();
    const xi = b.input('x', 'float32', [1, 'tokens', c.hiddenSize]);
    const length = b.op('Slice', [
      b.op('Shape', [xi], {}, { dtype: 'int64' }),
      b.constInt64([1]),
      b.constInt64([2]),
    ]);
    const rope = rotaryTables(b, length, { headDim: c.headDim, theta: c.ropeTheta });
    const w = new WeightScope(WeightMap.fromTensors('test', weights));
    b.output(
      llamaDecoderLayer(b, w, xi, {
        config: c,
        rope,
        mask: causalMask(b, length),
        quantization: llamaQuantization(FLOAT_WEIGHTS),
      }),
      'y',
    );
    const y = await runOnce(b.build(), {
      x: new Tensor(
        'float32',
        x.shape,
        x.data.map((v) => v * 3),
      ),
    });
    const expected = reference(
      x.data.map((v) => v * 3),
      tokens,
      c,
      (k) => weights[k]!.data,
    );
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(y.data[i]! - expected[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
