import { SessionCache, Tensor } from '@momaflow/engine';
import { randomTensor } from '@momaflow/engine/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { LowRankDelta, WeightMap, WeightPatch } from '../ldm-config';
import { mergedWeight, parityError } from '../ldm-config/test-support';
import { loadUnet } from './load-unet';
import { withWeightPatch } from './patched-unet-weights';
import { fixturePath } from './test-fixtures';
import { runAll, tinyUnetInput } from './test-patches';
import { UnetGraphCache } from './unet-graph-cache';
import { createUnetModel } from './unet-model';
import { memoryUnetWeights } from './unet-weights';

const env = {
  sessions: SessionCache.create({ maxEntries: 2, defaults: { intraOpNumThreads: 1 } }),
  graphs: UnetGraphCache.create({ maxEntries: 4 }),
};
afterAll(() => env.sessions.dispose());

/** One weight of every layer kind a LoRA / LoCon file can patch, by the pattern of its key. */
const LAYER_KINDS = [
  /attn1\.to_q\.weight$/,
  /attn2\.to_k\.weight$/,
  /attn2\.to_v\.weight$/,
  /attn1\.to_out\.0\.weight$/,
  /ff\.net\.0\.proj\.weight$/,
  /ff\.net\.2\.weight$/,
  /proj_in\.weight$/,
  /proj_out\.weight$/,
  /resnets\.\d+\.conv1\.weight$/,
  /resnets\.\d+\.conv2\.weight$/,
  /conv_shortcut\.weight$/,
  /time_emb_proj\.weight$/,
  /downsamplers\.0\.conv\.weight$/,
  /upsamplers\.0\.conv\.weight$/,
  /^conv_in\.weight$/,
  /^conv_out\.weight$/,
  /^time_embedding\.linear_1\.weight$/,
];

/** A rank-2 delta for `shape`, conv-shaped factors for 4-D weights (a 3x3 down for 3x3 kernels). */
function deltaFor(shape: readonly number[], seed: number, strength: string): LowRankDelta {
  const [out = 0, inC = 0, kh, kw] = shape;
  const rank = 2;
  const conv = kh !== undefined && kw !== undefined;
  return {
    down: randomTensor(conv ? [rank, inC, kh, kw] : [rank, inC], seed, 0.2),
    up: randomTensor(conv ? [out, rank, 1, 1] : [out, rank], seed + 1, 0.2),
    scale: 4 / rank,
    strength,
  };
}

function lowRankPatch(
  id: string,
  deltas: ReadonlyMap<string, readonly LowRankDelta[]>,
  s: number,
): WeightPatch {
  const names = new Set([...deltas.values()].flat().map((d) => d.strength));
  return {
    id,
    label: `test patch ${id}`,
    apply: async (weights: WeightMap) => weights.withDeltas(deltas),
    inputs: Object.fromEntries([...names].map((n) => [n, new Tensor('float32', [1], Float32Array.of(s))])),
  };
}

describe('low-rank deltas in the UNet graph', () => {
  it('give the noise prediction of the merged weights, on every kind of layer', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const weights = await base.weights.load();
    const keys = LAYER_KINDS.map((pattern) => {
      const key = weights.keys().find((k) => pattern.test(k));
      if (key === undefined) throw new Error(`the fixture UNet has no weight matching ${pattern}`);
      return key;
    });
    const strength = 0.6;
    const deltas = new Map(
      keys.map((key, i) => [key, [deltaFor(weights.shapeOf(key) ?? [], 100 + 2 * i, 'lora.0.strength')]]),
    );
    const patched = withWeightPatch(base, lowRankPatch('deltas', deltas, strength));

    const tensors: Record<string, Tensor<'float32'>> = {};
    for (const key of weights.keys()) {
      const w = weights.take(key, weights.shapeOf(key) ?? []);
      const d = deltas.get(key)?.[0];
      tensors[key] = d === undefined ? w : mergedWeight(w, [{ factors: d, strength }]);
    }
    const merged = createUnetModel({ config: base.config, weights: memoryUnetWeights('merged', tensors) });

    const input = await tinyUnetInput();
    const [ours] = await runAll(env, patched, [input]);
    const [reference] = await runAll(env, merged, [input]);
    const [plain] = await runAll(env, base, [input]);
    const err = parityError(ours!.noisePred, reference!.noisePred);
    expect(err.maxDiff).toBeLessThanOrEqual(err.bound);
    // The deltas change the output well beyond that tolerance.
    expect(parityError(plain!.noisePred, reference!.noisePred).maxDiff).toBeGreaterThan(100 * err.bound);
  });

  it('reuses the compiled graph when only the strength changes', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const weights = await base.weights.load();
    const key = 'conv_in.weight';
    const deltas = new Map([[key, [deltaFor(weights.shapeOf(key) ?? [], 7, 'lora.0.strength')]]]);
    const a = withWeightPatch(base, lowRankPatch('same-file', deltas, 0.5));
    const b = withWeightPatch(base, lowRankPatch('same-file', deltas, 1.5));
    expect(env.graphs.keyOf(a)).toBe(env.graphs.keyOf(b));
    expect(env.graphs.keyOf(a)).not.toBe(env.graphs.keyOf(base));
    const input = await tinyUnetInput();
    const [ra] = await runAll(env, a, [input]);
    const [rb] = await runAll(env, b, [input]);
    expect(await env.graphs.compile(a)).toBe(await env.graphs.compile(b));
    expect(parityError(ra!.noisePred, rb!.noisePred).maxDiff).toBeGreaterThan(0);
  });
});
