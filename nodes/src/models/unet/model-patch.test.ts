import { SessionCache, Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnet } from './load-unet';
import { type PatchStepInfo, pointKey } from './model-patch';
import { fixturePath } from './test-fixtures';
import {
  appendKvPatch,
  attentionMapsPatch,
  CAPTURE_KV_PATCH,
  decoupledCrossPatch,
  f32,
  gainPatch,
  maskedReferencePatch,
  maxDiff,
  runAll,
  tinyUnetInput,
} from './test-patches';
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
      { ...input, timestep: 7, step: { index: 1, previous: {} } },
    ]);
    if (same === undefined || zeroed === undefined) throw new Error('no result');
    expect(maxDiff(same.noisePred, plain.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(zeroed.noisePred, plain.noisePred)).toBeGreaterThan(1e-3);
    const [b = 0, , h = 0, w = 0] = input.sample.shape;
    expect(seen.map((s) => [s.index, s.sigma, s.batch, s.height, s.width])).toEqual([
      [0, 14.6, b, h, w],
      [1, undefined, b, h, w],
    ]);
    expect(seen[1]?.timestep).toBe(7);
  });

  it('add a decoupled cross-attention over extra tokens with new weights (MoMA / IP-Adapter)', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await tinyUnetInput();
    const [b = 0, tokens = 0, dim = 0] = input.encoderHiddenStates.shape;
    const extra = 4;
    const withIp = Tensor.zeros('float32', [b, tokens + extra, dim]);
    for (let i = 0; i < b; i++) {
      withIp.data.set(
        input.encoderHiddenStates.data.subarray(i * tokens * dim, (i + 1) * tokens * dim),
        i * (tokens + extra) * dim,
      );
      withIp.data.fill(0.5, (i * (tokens + extra) + tokens) * dim, (i + 1) * (tokens + extra) * dim);
    }
    const textOnly = await one(base, input);
    const silent = await one(withPatch(base, decoupledCrossPatch(extra, 0)), {
      ...input,
      encoderHiddenStates: withIp,
    });
    const active = await one(withPatch(base, decoupledCrossPatch(extra, 0.05)), {
      ...input,
      encoderHiddenStates: withIp,
    });
    // Zero IP weights give zero IP values: the text attention alone, on the text tokens only.
    expect(maxDiff(silent.noisePred, textOnly.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(active.noisePred, textOnly.noisePred)).toBeGreaterThan(1e-3);
  });

  it('capture self-attention K/V as outputs and feed them back per point as inputs', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await tinyUnetInput();
    const captured = await one(withPatch(base, CAPTURE_KV_PATCH), input);
    const selfPoints = base.hookPoints.filter((p) => p.kind === 'self');
    expect(Object.keys(captured.patchOutputs['kv-capture'] ?? {}).sort()).toEqual(
      selfPoints.flatMap((p) => [pointKey(p, 'k'), pointKey(p, 'v')]).sort(),
    );
    // Keys and values appended twice: every softmax weight halves, the output stays the same.
    const plain = await one(base, input);
    const appended = await one(withPatch(base, appendKvPatch(captured.patchOutputs)), input);
    expect(maxDiff(appended.noisePred, plain.noisePred)).toBeLessThan(1e-5);
  });

  it('inject reference K/V under a resized mask with a gain that is 0 from a timestep up (MoMA self path)', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = { ...(await tinyUnetInput()), timestep: 500 };
    const captured = (await one(withPatch(base, CAPTURE_KV_PATCH), input)).patchOutputs;
    const [, , h = 0, w = 0] = input.sample.shape;
    const full = Tensor.filled([1, 1, h * 8, w * 8], 1);
    const half = Tensor.filled([1, 1, h * 8, w * 8], 1);
    for (let y = 0; y < h * 8; y++) half.data.fill(0, y * w * 8, y * w * 8 + w * 4);
    // At the first self-attention the captured K/V are the layer's own (nothing before it changed).
    const first = base.hookPoints.find((p) => p.kind === 'self');
    const at = (p: { id: string }) => p.id === first?.id;
    const inject = (mask: Tensor<'float32'>) =>
      withPatch(base, maskedReferencePatch({ at, captured, mask, strength: 1, offAt: 950 }));
    const [injected, off] = await runAll(env, inject(full), [input, { ...input, timestep: 950 }]);
    const masked = await one(inject(half), input);
    // Own K/V under a full mask: the reference attention equals the layer's, so its output doubles.
    const doubled = await one(withPatch(base, gainPatch(at, [2])), input);
    const plainOff = await one(base, { ...input, timestep: 950 });
    if (injected === undefined || off === undefined) throw new Error('no result');
    expect(maxDiff(injected.noisePred, doubled.noisePred)).toBeLessThan(1e-4);
    expect(maxDiff(off.noisePred, plainOff.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(masked.noisePred, injected.noisePred)).toBeGreaterThan(1e-3);
  });
});
