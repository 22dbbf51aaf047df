import { SessionCache, type Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnet } from './load-unet';
import { type PatchStepInfo, pointKey } from './model-patch';
import { fixturePath } from './test-fixtures';
import { attentionMapsPatch, f32, gainPatch, maxDiff, runAll, tinyUnetInput } from './test-patches';
import { UnetGraphCache } from './unet-graph-cache';
import { type UnetModel, withPatch } from './unet-model';
import type { UnetRunInput, UnetRunResult } from './unet-session';

const env = {
  sessions: SessionCache.create({ maxEntries: 4, defaults: { intraOpNumThreads: 1 } }),
  graphs: UnetGraphCache.create({ maxEntries: 4 }),
};
afterAll(() => env.sessions.dispose());

const CROSS = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';

async function one(model: UnetModel, input: UnetRunInput): Promise<UnetRunResult> {
  const [result] = await runAll(env, model, [input]);
  if (result === undefined) throw new Error('no result');
  return result;
}

/** softmax(q k^T / sqrt(d)) of head `h`, query row `i`, batch `bi`, from [B, N, C] q and [B, M, C] k. */
function softmaxRow(
  q: Tensor<'float32'>,
  k: Tensor<'float32'>,
  at: { bi: number; h: number; i: number; heads: number },
) {
  const [, n = 0, c = 0] = q.shape;
  const m = k.shape[1] ?? 0;
  const d = c / at.heads;
  const scores = Array.from({ length: m }, (_, j) => {
    let s = 0;
    for (let e = 0; e < d; e++) {
      s += q.data[(at.bi * n + at.i) * c + at.h * d + e]! * k.data[(at.bi * m + j) * c + at.h * d + e]!;
    }
    return s / Math.sqrt(d);
  });
  const top = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - top));
  const sum = exps.reduce((a, x) => a + x, 0);
  return exps.map((e) => e / sum);
}

describe('model patches', () => {
  it('output the softmax probabilities of a chosen cross-attention and leave the prediction alone', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await tinyUnetInput();
    const plain = await one(base, input);
    const patched = await one(withPatch(base, attentionMapsPatch(CROSS)), input);
    const point = base.hookPoints.find((p) => p.id === CROSS);
    if (point === undefined) throw new Error(`no point ${CROSS}`);
    expect(maxDiff(patched.noisePred, plain.noisePred)).toBeLessThan(1e-5);

    const outs = patched.patchOutputs.maps ?? {};
    const probs = f32(outs[pointKey(point, 'probs')]);
    const q = f32(outs[pointKey(point, 'q')]);
    const k = f32(outs[pointKey(point, 'k')]);
    const [batch = 0, , height = 0, width = 0] = input.sample.shape;
    const n = (height / point.resolution) * (width / point.resolution);
    const m = input.encoderHiddenStates.shape[1] ?? 0;
    expect(probs.shape).toEqual([batch, point.heads, n, m]);
    for (const [bi, h, i] of [
      [0, 0, 0],
      [batch - 1, point.heads - 1, n - 1],
      [batch - 1, 3, 5],
    ] as const) {
      const expected = softmaxRow(q, k, { bi, h, i, heads: point.heads });
      const row = probs.data.subarray(
        ((bi * point.heads + h) * n + i) * m,
        ((bi * point.heads + h) * n + i + 1) * m,
      );
      expected.forEach((e, j) => {
        expect(row[j]).toBeCloseTo(e, 5);
      });
    }
  });

  it('scale a chosen attention output by a per-step input and learn where each step is', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await tinyUnetInput();
    const seen: PatchStepInfo[] = [];
    const plain = await one(base, input);
    const model = withPatch(
      base,
      gainPatch((p) => p.id === CROSS, [1, 0], seen),
    );
    const [same, zeroed] = await runAll(env, model, [
      { ...input, step: { index: 0, sigma: 14.6 } },
      { ...input, timestep: 7, step: { index: 1 } },
    ]);
    if (same === undefined || zeroed === undefined) throw new Error('no result');
    expect(maxDiff(same.noisePred, plain.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(zeroed.noisePred, plain.noisePred)).toBeGreaterThan(1e-3);
    const [b = 0, , h = 0, w = 0] = input.sample.shape;
    expect(seen.map((s) => [s.index, s.sigma, s.run.rows.length, s.run.height, s.run.width])).toEqual([
      [0, 14.6, b, h, w],
      [1, undefined, b, h, w],
    ]);
    expect(seen[1]?.timestep).toBe(7);
    expect(seen[0]?.previousOutputs).toBeUndefined();
    expect(seen[1]?.previousOutputs).toEqual({});
  });
});
