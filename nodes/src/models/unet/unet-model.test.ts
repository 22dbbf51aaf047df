import { EngineError, SessionCache, Tensor } from '@momaflow/engine';
import { afterAll, describe, expect, it } from 'vitest';
import { loadUnet } from './load-unet';
import type { ModelPatch } from './model-patch';
import { fixturePath } from './test-fixtures';
import { attentionMapsPatch, gainPatch, runAll, tinyUnetInput } from './test-patches';
import { UnetGraphCache } from './unet-graph-cache';
import { withPatch } from './unet-model';
import { type UnetRunInput, UnetSession } from './unet-session';

const env = {
  sessions: SessionCache.create({ maxEntries: 2, defaults: { intraOpNumThreads: 1 } }),
  graphs: UnetGraphCache.create({ maxEntries: 2 }),
};
afterAll(() => env.sessions.dispose());

const CROSS = 'up_blocks.1.attentions.0.transformer_blocks.0.attn2';

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
    let caught: unknown;
    try {
      withPatch(once, { ...attentionMapsPatch(CROSS), id });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(EngineError);
    expect(caught).toMatchObject({ code });
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

  it("keys compiled graphs by the content of patches' weights, not just their signature", async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const cache = UnetGraphCache.create();
    const point = base.hookPoints.find((p) => p.id === CROSS)!;
    const scaled = (value: number): ModelPatch => ({
      id: 'scaled',
      signature: 'scaled/1',
      weights: new Map([['s', Tensor.filled([1], value)]]),
      appliesTo: (p) => p.id === point.id,
      apply: (ctx) => ({ out: ctx.b.op('Mul', [ctx.current(), ctx.weight('s')]) }),
    });
    expect(cache.keyOf(withPatch(base, scaled(2)))).toBe(cache.keyOf(withPatch(base, scaled(2))));
    expect(cache.keyOf(withPatch(base, scaled(2)))).not.toBe(cache.keyOf(withPatch(base, scaled(3))));
    const input = await tinyUnetInput();
    const [two] = await runAll(env, withPatch(base, scaled(2)), [input]);
    const [three] = await runAll(env, withPatch(base, scaled(3)), [input]);
    expect(two!.noisePred.data).not.toEqual(three!.noisePred.data);
    const unknown: ModelPatch = {
      ...scaled(2),
      id: 'unknown',
      apply: (ctx) => ({ out: ctx.weight('nope') }),
    };
    await expect(cache.compile(withPatch(base, unknown))).rejects.toMatchObject({
      code: 'patch_weight_unknown',
    });
  });

  it('fails the build when a patch declares inputs but cannot feed them', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const { stepInputs: _, ...mute } = gainPatch((p) => p.id === CROSS, [1]);
    await expect(UnetGraphCache.create().compile(withPatch(base, mute))).rejects.toMatchObject({
      code: 'patch_inputs_unfed',
    });
  });

  it('fails the run when a step gives no value for a declared input', async () => {
    const base = await loadUnet(fixturePath('tiny-sd'));
    const patch: ModelPatch = { ...gainPatch((p) => p.id === CROSS, [1]), stepInputs: () => ({}) };
    await expect(runAll(env, withPatch(base, patch), [await tinyUnetInput()])).rejects.toMatchObject({
      code: 'patch_input_invalid',
    });
  });
});

describe(UnetSession.name, () => {
  it.each([
    [
      'a sample with the wrong channel count',
      { sample: Tensor.zeros('float32', [2, 3, 8, 8]) },
      'invalid_input',
    ],
    ['a timestep per entry of another batch', { timestep: Tensor.zeros('float32', [3]) }, 'invalid_input'],
    [
      'ControlNet residuals on a graph built without them',
      { controlResiduals: { down: [], mid: Tensor.zeros('float32', [2, 64, 2, 2]) } },
      'invalid_input',
    ],
    [
      'context tokens of another width',
      { encoderHiddenStates: Tensor.zeros('float32', [2, 77, 16]) },
      'invalid_input',
    ],
  ])('refuses %s', async (_, change, code) => {
    const model = await loadUnet(fixturePath('tiny-sd'));
    const input: UnetRunInput = { ...(await tinyUnetInput()), ...change };
    await expect(runAll(env, model, [input])).rejects.toMatchObject({ code });
  });

  it('reports a failing onnxruntime run as unet_run_failed', async () => {
    const model = await loadUnet(fixturePath('tiny-sd'));
    const input = await tinyUnetInput();
    const [b = 0, , h = 0, w = 0] = input.sample.shape;
    // Residuals with one channel too many cannot be added to the skips.
    const down = model.layout.skips.map((s) =>
      Tensor.zeros('float32', [b, s.channels + 1, h / s.resolution, w / s.resolution]),
    );
    const mid = Tensor.zeros('float32', [
      b,
      model.layout.mid.channels,
      h / model.layout.mid.resolution,
      w / model.layout.mid.resolution,
    ]);
    const unet = await UnetSession.open({ model, ...env, graph: { controlResiduals: true } });
    try {
      await expect(unet.run({ ...input, controlResiduals: { down, mid } })).rejects.toMatchObject({
        code: 'unet_run_failed',
      });
    } finally {
      unet.release();
    }
  });
});
