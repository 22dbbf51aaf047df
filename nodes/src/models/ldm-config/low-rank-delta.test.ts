import { conv2d, EngineError, linear, OnnxBuilder, Tensor } from '@momaflow/engine';
import { assertClose, conv2dRef, linearRef, randomTensor, runModel } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';
import { convWeights, linearWeights } from './layer-weights';
import {
  addLowRankRows,
  type LowRankDelta,
  LowRankInputs,
  withConvDeltas,
  withLinearDeltas,
} from './low-rank-delta';
import { mergedWeight, tuckerDown } from './test-support';
import { WeightMap } from './weight-map';
import { WeightScope } from './weight-scope';

function build(weights: WeightMap, emit: (b: OnnxBuilder, w: WeightScope, lowRank: LowRankInputs) => void) {
  const b = OnnxBuilder.create();
  const lowRank = new LowRankInputs(b, weights.deltas());
  emit(b, new WeightScope(weights, '', lowRank), lowRank);
  lowRank.assertAllBound('test graph');
  return { model: b.build(), inputs: lowRank.inputNames };
}

const strength = (s: number) => new Tensor('float32', [1], Float32Array.of(s));

describe('low-rank deltas on a linear layer', () => {
  const [inF, outF, rank, rows] = [12, 10, 3, 5];
  const weight = randomTensor([outF, inF], 1, 0.3);
  const bias = randomTensor([outF], 2);
  const x = randomTensor([rows, inF], 3);
  const a: LowRankDelta = {
    down: randomTensor([rank, inF], 4),
    up: randomTensor([outF, rank], 5),
    scale: 8 / rank,
    strength: 'lora.a',
  };
  const c: LowRankDelta = {
    down: randomTensor([2, inF], 6),
    up: randomTensor([outF, 2], 7),
    scale: 1,
    strength: 'lora.c',
  };
  const base = WeightMap.fromTensors('test', { 'fc.weight': weight, 'fc.bias': bias });
  const patched = base.withDeltas(new Map([['fc.weight', [a]]])).withDeltas(new Map([['fc.weight', [c]]]));
  const expected = linearRef(
    x.data,
    rows,
    mergedWeight(weight, [
      { factors: a, strength: 0.7 },
      { factors: c, strength: -1.5 },
    ]),
    bias,
  );

  it('equals x (W + s * alpha/rank * up @ down)^T + b on rows (Gemm form), for two stacked deltas', async () => {
    const { model, inputs } = build(patched, (b, w) => {
      const fc = linearWeights(w, 'fc', { inFeatures: inF, outFeatures: outF });
      const xi = b.input('x', 'float32', [rows, inF]);
      const y = b.op(
        'Gemm',
        [xi, b.initializer('fc.weight', fc.weight), b.initializer('fc.bias', fc.bias!)],
        {
          transB: 1,
        },
      );
      b.output(
        b.scope('fc', () => addLowRankRows(b, fc.lowRank!(), xi, y)),
        'y',
      );
    });
    expect(inputs).toEqual(['lora.a', 'lora.c']);
    const out = await runModel(model, { x, 'lora.a': strength(0.7), 'lora.c': strength(-1.5) });
    assertClose(out.y!.data as Float32Array, expected, { rtol: 1e-5, atol: 1e-5 });
  });

  it('equals the same on tokens [B, N, in] (MatMul form), and strength 0 gives the base layer', async () => {
    const { model } = build(patched, (b, w) => {
      const fc = linearWeights(w, 'fc', { inFeatures: inF, outFeatures: outF });
      const xi = b.input('x', 'float32', [1, rows, inF]);
      b.output(withLinearDeltas(b, fc, xi, linear(b, fc, xi, { name: 'fc' }), 'fc'), 'y');
    });
    const x3 = x.reshape([1, rows, inF]);
    const out = await runModel(model, { x: x3, 'lora.a': strength(0.7), 'lora.c': strength(-1.5) });
    assertClose(out.y!.data as Float32Array, expected, { rtol: 1e-5, atol: 1e-5 });
    const off = await runModel(model, { x: x3, 'lora.a': strength(0), 'lora.c': strength(0) });
    assertClose(off.y!.data as Float32Array, linearRef(x.data, rows, weight, bias), {
      rtol: 1e-6,
      atol: 1e-6,
    });
  });
});

describe('low-rank deltas on a conv layer', () => {
  const [inC, outC, rank] = [6, 8, 2];
  const weight = randomTensor([outC, inC, 3, 3], 11, 0.3);
  const bias = randomTensor([outC], 12);
  const x = randomTensor([1, inC, 7, 9], 13);

  async function check(delta: LowRankDelta, s: number, geometry: { stride: number; padding: number }) {
    const weights = WeightMap.fromTensors('test', { 'conv.weight': weight, 'conv.bias': bias }).withDeltas(
      new Map([['conv.weight', [delta]]]),
    );
    const { model } = build(weights, (b, w) => {
      const cw = convWeights(w, 'conv', { inChannels: inC, outChannels: outC, kernel: 3 });
      const xi = b.input('x', 'float32', [...x.shape]);
      const o = { ...geometry, name: 'conv' };
      b.output(withConvDeltas(b, cw, xi, conv2d(b, cw, xi, o), o), 'y');
    });
    const factors = delta.mid === undefined ? delta : { ...delta, down: tuckerDown(delta.down, delta.mid) };
    const w2 = mergedWeight(weight, [{ factors, strength: s }]);
    const ref = conv2dRef(x, w2, bias, { ...geometry, groups: 1 });
    const out = await runModel(model, { x, [delta.strength]: strength(s) });
    expect(out.y?.shape).toEqual(ref.shape);
    assertClose(out.y!.data as Float32Array, ref.data, { rtol: 1e-5, atol: 1e-5 });
  }

  it('equals conv(x, W + s * alpha/rank * up @ down) for a 3x3 delta at stride 2', () =>
    check(
      {
        down: randomTensor([rank, inC, 3, 3], 14),
        up: randomTensor([outC, rank, 1, 1], 15),
        scale: 0.5,
        strength: 's',
      },
      1.25,
      { stride: 2, padding: 1 },
    ));

  it("equals ComfyUI's Tucker product for LoCon's down / mid / up", () =>
    check(
      {
        down: randomTensor([rank, inC, 1, 1], 16),
        mid: randomTensor([rank, rank, 3, 3], 17),
        up: randomTensor([outC, rank, 1, 1], 18),
        scale: 2,
        strength: 's',
      },
      0.8,
      { stride: 1, padding: 1 },
    ));
});

describe('low-rank delta bookkeeping', () => {
  const weights = WeightMap.fromTensors('model.safetensors', {
    'a.weight': randomTensor([4, 3], 21),
    'b.weight': randomTensor([4, 3], 22),
  });
  const delta = (strength: string, rank = 2): LowRankDelta => ({
    down: randomTensor([rank, 3], 23),
    up: randomTensor([4, rank], 24),
    scale: 1,
    strength,
  });

  it('refuses a delta whose up @ down does not have the weight shape, naming the key', () => {
    const bad = { ...delta('s'), down: randomTensor([2, 5], 25) };
    const err = (() => {
      try {
        weights.withDeltas(new Map([['a.weight', [bad]]]));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('weight_delta_mismatch');
    expect((err as EngineError).message).toContain("'a.weight' [4, 3] has up [4, 2] and down [2, 5]");
  });

  it('names the weights whose deltas no layer applied', () => {
    const patched = weights.withDeltas(new Map([['b.weight', [delta('s')]]]));
    expect(() => build(patched, () => {})).toThrow(
      /test graph: no layer applies the low-rank deltas of 'b\.weight'/,
    );
  });

  it('replaces exactly the named weights and keeps the deltas', () => {
    const replacement = randomTensor([4, 3], 26);
    const patched = weights
      .withDeltas(new Map([['b.weight', [delta('s')]]]))
      .withReplaced(new Map([['a.weight', { tensor: replacement, source: 'cd.bin' }]]));
    expect(patched.take('a.weight', [4, 3])).toBe(replacement);
    expect(patched.storedKey('a.weight')).toBe('cd.bin:a.weight');
    expect(patched.take('b.weight', [4, 3])).toBe(weights.take('b.weight', [4, 3]));
    expect([...patched.deltas().keys()]).toEqual(['b.weight']);
    expect(() =>
      weights.withReplaced(new Map([['a.weight', { tensor: randomTensor([3, 3], 1), source: 'x' }]])),
    ).toThrow(/x replaces 'a\.weight' \[4, 3\] with shape \[3, 3\]/);
  });
});
