import { type Logger, SessionCache, SILENT_LOGGER, Tensor } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttentionHookPoint,
  type BatchRow,
  loadUnet,
  UnetGraphCache,
  type UnetModel,
  type UnetRunInput,
  UnetSession,
  withPatch,
} from '../models/unet';
import { fixturePath } from '../models/unet/test-fixtures';
import { gainPatch, maxDiff, runAll, tinyUnetInput } from '../models/unet/test-patches';
import { attentionMapPatch } from './attention-map-patch';
import type { DecoupledEntry } from './decoupled-weights';
import { imagePromptPatch } from './image-prompt-patch';
import { referenceAttentionPatch } from './reference-attention-patch';
import { WHOLE_SCHEDULE } from './timestep-range';

const env = {
  sessions: SessionCache.create({ maxEntries: 4, defaults: { intraOpNumThreads: 1 } }),
  graphs: UnetGraphCache.create({ maxEntries: 4 }),
};
afterAll(() => env.sessions.dispose());

let base: UnetModel;
let input: UnetRunInput;
/** Batch entry 0 of the fixture's UNet input. */
let one: UnetRunInput & { timestep: number };

function item(t: Tensor<'float32'>): Tensor<'float32'> {
  const per = t.size / (t.shape[0] ?? 1);
  return new Tensor('float32', [1, ...t.shape.slice(1)], t.data.slice(0, per));
}

beforeAll(async () => {
  base = await loadUnet(fixturePath('tiny-sd'));
  input = await tinyUnetInput();
  const t = input.timestep as Tensor<'int64'>;
  one = {
    sample: item(input.sample),
    encoderHiddenStates: item(input.encoderHiddenStates),
    timestep: Number(t.data[0]),
  };
});

/** Adapter weights for every cross point, all `value`. */
function crossEntries(value: number): Map<number, DecoupledEntry> {
  const out = new Map<number, DecoupledEntry>();
  for (const p of base.hookPoints.filter((q) => q.kind === 'cross')) {
    const w = Tensor.filled([p.channels, p.contextChannels], value);
    out.set(p.order, { toK: w, toV: w, scale: undefined });
  }
  return out;
}

const tokens = (dim: number) => ({
  cond: Tensor.filled([1, 4, dim], 0.5),
  uncond: Tensor.filled([1, 4, dim], -0.5),
});

describe(imagePromptPatch.name, () => {
  const patch = (id: string, value: number, range = WHOLE_SCHEDULE) =>
    imagePromptPatch({
      id,
      entries: crossEntries(value),
      tokens: tokens(base.config.crossAttentionDim),
      scale: 1,
      mask: { kind: 'none' },
      range,
    });

  it('adds nothing with zero weights or outside its range, something otherwise, and stacks', async () => {
    const [plain] = await runAll(env, base, [input]);
    const [silent] = await runAll(env, withPatch(base, patch('ip', 0)), [input]);
    const [active] = await runAll(env, withPatch(base, patch('ip', 0.05)), [input]);
    const [outside] = await runAll(env, withPatch(base, patch('ip', 0.05, { first: 10, last: 0 })), [input]);
    const [stacked] = await runAll(env, withPatch(withPatch(base, patch('ip', 0.05)), patch('ip-2', 0.05)), [
      input,
    ]);
    expect(maxDiff(silent!.noisePred, plain!.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(outside!.noisePred, plain!.noisePred)).toBeLessThan(1e-5);
    expect(maxDiff(active!.noisePred, plain!.noisePred)).toBeGreaterThan(1e-3);
    expect(maxDiff(stacked!.noisePred, active!.noisePred)).toBeGreaterThan(1e-3);
  });
});

describe(referenceAttentionPatch.name, () => {
  /** Reference = the call's own input, injected at the first self-attention layer only. */
  const own = (o: { mask?: Tensor<'float32'>; first?: number } = {}) =>
    referenceAttentionPatch({
      id: 'ref',
      points: [base.hookPoints.find((p) => p.kind === 'self')!],
      reference: { sample: one.sample, timestep: one.timestep, context: one.encoderHiddenStates, key: 'own' },
      ...(o.mask === undefined ? {} : { referenceMask: o.mask }),
      strength: 1,
      mask: { kind: 'none' },
      range: { first: o.first ?? Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY },
    });

  async function sampleWith(model: UnetModel): Promise<Tensor<'float32'>> {
    const unet = await UnetSession.open({ model, ...env });
    try {
      const references = { ref: await unet.runReference('ref') };
      const [, , height = 0, width = 0] = one.sample.shape;
      const rows: BatchRow[] = [{ role: 'cond', entry: 0, latent: 0, tokenIds: undefined }];
      const run = await unet.startRun({ rows, height, width, contextTokens: 77, references });
      const { noisePred } = await run.run(one);
      await run.end();
      return noisePred;
    } finally {
      unet.release();
    }
  }

  it("doubles the layer's attention with its own K/V under a full mask; adds nothing off range or with nothing kept", async () => {
    const first = base.hookPoints.find((p) => p.kind === 'self')!;
    const [doubled] = await runAll(
      env,
      withPatch(
        base,
        gainPatch((p) => p.id === first.id, [2]),
      ),
      [one],
    );
    const [plain] = await runAll(env, base, [one]);
    expect(maxDiff(await sampleWith(withPatch(base, own())), doubled!.noisePred)).toBeLessThan(1e-4);
    expect(
      maxDiff(await sampleWith(withPatch(base, own({ first: one.timestep - 1 }))), plain!.noisePred),
    ).toBeLessThan(1e-5);
    const [, , h = 0, w = 0] = one.sample.shape;
    const nothing = Tensor.zeros('float32', [1, h * 8, w * 8]);
    expect(maxDiff(await sampleWith(withPatch(base, own({ mask: nothing }))), plain!.noisePred)).toBeLessThan(
      1e-5,
    );
  });
});

describe('reference passes', () => {
  it('add no ControlNet residual on a graph built for them', async () => {
    const patch = referenceAttentionPatch({
      id: 'ref',
      points: base.hookPoints.filter((p) => p.kind === 'self'),
      reference: { sample: one.sample, timestep: one.timestep, context: one.encoderHiddenStates, key: 'own' },
      strength: 1,
      mask: { kind: 'none' },
      range: WHOLE_SCHEDULE,
    });
    const captured = async (controlResiduals: boolean) => {
      const unet = await UnetSession.open({
        model: withPatch(base, patch),
        ...env,
        graph: { controlResiduals },
      });
      try {
        return await unet.runReference('ref');
      } finally {
        unet.release();
      }
    };
    const [plain, control] = [await captured(false), await captured(true)];
    expect(Object.keys(control).sort()).toEqual(Object.keys(plain).sort());
    for (const key of Object.keys(plain)) {
      expect(maxDiff(control[key] as Tensor<'float32'>, plain[key] as Tensor<'float32'>), key).toBeLessThan(
        1e-6,
      );
    }
  });
});

describe(attentionMapPatch.name, () => {
  const SUBJECT = 2368;
  const ids = Int32Array.from({ length: 77 }, (_, i) => (i === 3 || i === 6 ? SUBJECT : 49407));

  async function twoCalls(rows: BatchRow[], log: Logger = SILENT_LOGGER) {
    const map = attentionMapPatch({
      id: 'map',
      points: base.hookPoints,
      layers: 'all',
      subjectTokenIds: [SUBJECT],
      threshold: 0.2,
    });
    const unet = await UnetSession.open({ model: withPatch(base, map), ...env });
    try {
      const [, , height = 0, width = 0] = input.sample.shape;
      const run = await unet.startRun({ rows, height, width, contextTokens: 77, log });
      const batch = rows.length;
      const call = { ...input, sample: input.sample, timestep: 500 };
      const cut = (t: Tensor<'float32'>) =>
        new Tensor(
          'float32',
          [batch, ...t.shape.slice(1)],
          t.data.slice(0, (t.size / (t.shape[0] ?? 1)) * batch),
        );
      const sized = { ...call, sample: cut(call.sample), encoderHiddenStates: cut(call.encoderHiddenStates) };
      await run.run({ ...sized, step: { index: 0 } });
      const afterFirst = run.finalMasks().map;
      await run.run({ ...sized, step: { index: 1 } });
      const afterSecond = run.finalMasks().map;
      await run.end();
      return { afterFirst, afterSecond, height, width };
    } finally {
      unet.release();
    }
  }

  it('makes a mask per latent in [0, 1] from the previous call, with or without negative rows', async () => {
    const guided: BatchRow[] = [
      { role: 'uncond', entry: 0, latent: 0, tokenIds: undefined },
      { role: 'cond', entry: 0, latent: 0, tokenIds: ids },
    ];
    const cfgOne: BatchRow[] = [{ role: 'cond', entry: 0, latent: 0, tokenIds: ids }];
    for (const rows of [guided, cfgOne]) {
      const { afterFirst, afterSecond, height, width } = await twoCalls(rows);
      expect(afterFirst?.shape).toEqual([1, 1, height, width]);
      const values = Array.from(afterSecond!.data);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
      expect(new Set(values).size).toBeGreaterThan(1);
    }
  });

  it('warns and makes no mask when the subject is not in the positive prompt', async () => {
    const warnings: string[] = [];
    const log = { ...SILENT_LOGGER, warn: (m: string) => void warnings.push(m) };
    const rows: BatchRow[] = [
      { role: 'cond', entry: 0, latent: 0, tokenIds: new Int32Array(77).fill(49407) },
    ];
    const { afterSecond } = await twoCalls(rows, log);
    expect(afterSecond).toBeUndefined();
    expect(warnings.join('\n')).toMatch(/subject is not in the positive prompt/);
  });

  it('refuses layers the model does not have', () => {
    const noCross: AttentionHookPoint[] = base.hookPoints.filter((p) => p.kind === 'self');
    expect(() =>
      attentionMapPatch({ id: 'm', points: noCross, layers: 'all', subjectTokenIds: [1], threshold: 0.2 }),
    ).toThrow(expect.objectContaining({ code: 'invalid_layers' }));
  });
});
