import { type DType, EngineError, isFloatTensor, SessionCache, Tensor, type Value } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import type { AttentionHookPoint } from './hook-points';
import { loadUnet } from './load-unet';
import { type ModelPatch, type PatchStepInfo, pointKey } from './model-patch';
import { fixturePath, readVectors } from './test-fixtures';
import { UnetGraphCache } from './unet-graph-cache';
import { type UnetModel, withPatch } from './unet-model';
import { type UnetRunInput, type UnetRunResult, UnetSession } from './unet-session';

const sessions = SessionCache.create({ maxEntries: 4, defaults: { intraOpNumThreads: 1 } });
const graphs = UnetGraphCache.create({ maxEntries: 4 });
afterAll(() => sessions.dispose());

const CROSS = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';

/** Outputs the softmax probabilities (and q, k) of one cross-attention layer; output unchanged. */
function attentionMapsPatch(pointId: string): ModelPatch {
  return {
    id: 'maps',
    signature: `maps/1:${pointId}`,
    appliesTo: (p) => p.id === pointId,
    apply: (ctx) => {
      const { out, probs } = ctx.standard({ withProbs: true });
      if (probs === undefined) throw new Error('no probabilities');
      return { out, outputs: { probs, q: ctx.query(), k: ctx.key() } };
    },
  };
}

/** Scales one layer's attention output by a per-step gain; records what each step told it. */
function gainPatch(pointId: string, gains: readonly number[], seen: PatchStepInfo[]): ModelPatch {
  return {
    id: 'gain',
    signature: `gain/1:${pointId}`,
    appliesTo: (p) => p.id === pointId,
    apply: (ctx) => ({ out: ctx.b.op('Mul', [ctx.current(), ctx.sharedInput('gain', 'float32', [1])]) }),
    stepInputs: (step) => {
      seen.push(step);
      return { gain: new Tensor('float32', [1], Float32Array.of(gains[step.index] ?? 1)) };
    },
  };
}

/**
 * MoMA's / IP-Adapter's decoupled cross-attention (bytedance/MoMA model_lib/attention_processor.py
 * `IPAttnProcessor`): text attention over all but the last `extra` tokens, plus attention over those
 * with new `to_k_ip` / `to_v_ip` weights (here filled with `fill`).
 */
function decoupledCrossPatch(extra: number, fill: number): ModelPatch {
  return {
    id: 'ip',
    signature: `ip/1:${extra}:${fill}`,
    appliesTo: (p) => p.kind === 'cross',
    apply: (ctx) => {
      const { b, point } = ctx;
      const split = b.constInt64([-extra]);
      const text = b.op('Slice', [ctx.context, b.constInt64([0]), split, b.constInt64([1])]);
      const ip = b.op('Slice', [ctx.context, split, b.constInt64([2 ** 62]), b.constInt64([1])]);
      const q = ctx.query();
      const base = ctx.attend(q, ctx.project('to_k', text), ctx.project('to_v', text)).out;
      const w = (name: string): Value<'float32'> =>
        ctx.weight(name, Tensor.filled([point.contextChannels, point.channels], fill));
      const ipOut = ctx.attend(q, b.op('MatMul', [ip, w('to_k_ip')]), b.op('MatMul', [ip, w('to_v_ip')])).out;
      return { out: b.op('Add', [base, ipOut]) };
    },
  };
}

/** Captures self-attention K/V (run 1) or appends fed reference K/V to the keys and values (run 2). */
function referenceKvPatch(mode: 'capture' | 'inject', refs?: UnetRunResult['patchOutputs']): ModelPatch {
  const self = (p: AttentionHookPoint) => p.kind === 'self';
  return {
    id: `kv-${mode}`,
    signature: `kv/1:${mode}`,
    appliesTo: self,
    apply: (ctx) => {
      if (mode === 'capture') return { outputs: { k: ctx.key(), v: ctx.value() } };
      const dims = ['batch', `tokens/${ctx.point.resolution}`, ctx.point.channels];
      const k = ctx.b.op('Concat', [ctx.key(), ctx.input('ref_k', 'float32', dims)], { axis: 1 });
      const v = ctx.b.op('Concat', [ctx.value(), ctx.input('ref_v', 'float32', dims)], { axis: 1 });
      return { out: ctx.attend(ctx.query(), k, v).out };
    },
    ...(mode === 'inject'
      ? {
          stepInputs: () => {
            const captured = refs?.['kv-capture'] ?? {};
            return Object.fromEntries(
              Object.entries(captured).map(([key, t]) => [key.replace(/\/(k|v)$/, '/ref_$1'), t]),
            );
          },
        }
      : {}),
  };
}

async function vectors(): Promise<UnetRunInput> {
  const v = await readVectors(['unet.sample', 'unet.timestep', 'unet.encoder_hidden_states']);
  const sample = v['unet.sample'];
  const context = v['unet.encoder_hidden_states'];
  const timestep = v['unet.timestep'];
  if (sample?.dtype !== 'float32' || context?.dtype !== 'float32' || timestep === undefined) {
    throw new Error('unet.* fixtures missing');
  }
  return { sample, timestep, encoderHiddenStates: context };
}

async function run(model: UnetModel, inputs: readonly UnetRunInput[]): Promise<UnetRunResult[]> {
  const unet = await UnetSession.open({ model, graphs, sessions });
  try {
    const out: UnetRunResult[] = [];
    for (const input of inputs) out.push(await unet.run(input));
    return out;
  } finally {
    unet.release();
  }
}

function maxDiff(a: Tensor<'float32'>, b: Tensor<'float32'>): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

function f32(t: Tensor<DType> | undefined): Tensor<'float32'> {
  if (!isFloatTensor(t)) throw new Error('expected a float32 output');
  return t;
}

describe('model patches', () => {
  it('outputs the softmax probabilities of a chosen cross-attention and leaves the prediction alone', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await vectors();
    const [plain] = await run(base, [input]);
    const [patched] = await run(withPatch(base, attentionMapsPatch(CROSS)), [input]);
    const point = base.hookPoints.find((p) => p.id === CROSS);
    if (plain === undefined || patched === undefined || point === undefined) throw new Error('no result');
    expect(maxDiff(patched.noisePred, plain.noisePred)).toBeLessThan(1e-5);

    const outs = patched.patchOutputs.maps ?? {};
    const probs = f32(outs[pointKey(point, 'probs')]);
    const q = f32(outs[pointKey(point, 'q')]);
    const k = f32(outs[pointKey(point, 'k')]);
    const [batch = 0, , height = 0, width = 0] = input.sample.shape;
    const n = (height / point.resolution) * (width / point.resolution);
    const m = input.encoderHiddenStates.shape[1] ?? 0;
    expect(probs.shape).toEqual([batch, point.heads, n, m]);
    // softmax(q k^T / sqrt(d)) per head, recomputed here from the q and k the patch also returned.
    const d = point.channels / point.heads;
    const c = point.channels;
    for (const [bi, h, i] of [
      [0, 0, 0],
      [batch - 1, point.heads - 1, n - 1],
      [1, 3, 5],
    ] as const) {
      const scores = Array.from({ length: m }, (_, j) => {
        let s = 0;
        for (let e = 0; e < d; e++)
          s += q.data[(bi * n + i) * c + h * d + e]! * k.data[(bi * m + j) * c + h * d + e]!;
        return s / Math.sqrt(d);
      });
      const top = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - top));
      const sum = exps.reduce((a, x) => a + x, 0);
      exps.forEach((e, j) => {
        expect(probs.data[((bi * point.heads + h) * n + i) * m + j]).toBeCloseTo(e / sum, 5);
      });
    }
  });

  it('scales a chosen attention output by a per-step input and tells each step where it is', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await vectors();
    const seen: PatchStepInfo[] = [];
    const [plain] = await run(base, [input]);
    const model = withPatch(base, gainPatch(CROSS, [1, 0], seen));
    const [same, zeroed] = await run(model, [
      { ...input, step: { index: 0, sigma: 14.6 } },
      { ...input, timestep: 7, step: { index: 1, previous: {} } },
    ]);
    if (plain === undefined || same === undefined || zeroed === undefined) throw new Error('no result');
    expect(maxDiff(same.noisePred, plain.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(zeroed.noisePred, plain.noisePred)).toBeGreaterThan(1e-3);
    const [b = 0, , h = 0, w = 0] = input.sample.shape;
    expect(seen.map((s) => [s.index, s.sigma, s.batch, s.height, s.width])).toEqual([
      [0, 14.6, b, h, w],
      [1, undefined, b, h, w],
    ]);
    expect(seen[1]?.timestep).toBe(7);
  });

  it('adds a decoupled cross-attention over extra tokens with new weights (MoMA / IP-Adapter)', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await vectors();
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
    const [textOnly] = await run(base, [input]);
    const [silent] = await run(withPatch(base, decoupledCrossPatch(extra, 0)), [
      { ...input, encoderHiddenStates: withIp },
    ]);
    const [active] = await run(withPatch(base, decoupledCrossPatch(extra, 0.05)), [
      { ...input, encoderHiddenStates: withIp },
    ]);
    if (textOnly === undefined || silent === undefined || active === undefined) throw new Error('no result');
    // Zero IP weights give zero IP values: the text attention alone, on 77 of the 81 tokens.
    expect(maxDiff(silent.noisePred, textOnly.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(active.noisePred, textOnly.noisePred)).toBeGreaterThan(1e-3);
  });

  it('captures self-attention K/V as outputs and feeds them back per point as inputs', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const input = await vectors();
    const [captured] = await run(withPatch(base, referenceKvPatch('capture')), [input]);
    if (captured === undefined) throw new Error('no result');
    const selfPoints = base.hookPoints.filter((p) => p.kind === 'self');
    expect(Object.keys(captured.patchOutputs['kv-capture'] ?? {}).sort()).toEqual(
      selfPoints.flatMap((p) => [pointKey(p, 'k'), pointKey(p, 'v')]).sort(),
    );
    // Keys and values appended twice: every softmax weight halves, the output stays the same.
    const [plain] = await run(base, [input]);
    const [injected] = await run(withPatch(base, referenceKvPatch('inject', captured.patchOutputs)), [input]);
    if (plain === undefined || injected === undefined) throw new Error('no result');
    expect(maxDiff(injected.noisePred, plain.noisePred)).toBeLessThan(1e-5);
  });
});

describe(withPatch.name, () => {
  it('returns a new frozen MODEL and leaves the original unpatched', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const patched = withPatch(base, attentionMapsPatch(CROSS));
    expect(base.patches).toEqual([]);
    expect(patched.patches.map((p) => p.id)).toEqual(['maps']);
    expect(Object.isFrozen(patched)).toBe(true);
    expect(Object.isFrozen(patched.patches)).toBe(true);
  });

  it.each([
    ['a duplicate id', 'maps', 'duplicate_patch'],
    ['an id with a dot', 'a.b', 'invalid_patch'],
  ])('refuses %s', async (_, id, code) => {
    const once = withPatch(await loadUnet(fixturePath('tiny-sd')), attentionMapsPatch(CROSS));
    const err = (() => {
      try {
        withPatch(once, { ...attentionMapsPatch(CROSS), id });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe(code);
  });

  it('keys compiled graphs by patch signatures and options', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const cache = UnetGraphCache.create();
    const a = withPatch(base, attentionMapsPatch(CROSS));
    const b = withPatch(base, attentionMapsPatch(CROSS));
    const other = withPatch(base, attentionMapsPatch('mid_block.attentions.0.transformer_blocks.0.attn2'));
    expect(cache.keyOf(a)).toBe(cache.keyOf(b));
    expect(cache.keyOf(a)).not.toBe(cache.keyOf(base));
    expect(cache.keyOf(a)).not.toBe(cache.keyOf(other));
    expect(cache.keyOf(a)).not.toBe(cache.keyOf(a, { controlResiduals: true }));
    expect(await cache.compile(a)).toBe(await cache.compile(b));
  });

  it('fails the build when a patch declares inputs but cannot feed them', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const { stepInputs: _, ...mute } = gainPatch(CROSS, [1], []);
    await expect(UnetGraphCache.create().compile(withPatch(base, mute))).rejects.toMatchObject({
      code: 'patch_step_inputs_missing',
    });
  });

  it('fails the run when a step gives no value for a declared input', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const patch: ModelPatch = { ...gainPatch(CROSS, [1], []), stepInputs: () => ({}) };
    await expect(run(withPatch(base, patch), [await vectors()])).rejects.toMatchObject({
      code: 'patch_input_invalid',
    });
  });
});
