import type { WeightReader } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVectors, readVectorsJson } from './fixtures-dir';
import { Mt19937 } from './mt19937';
import { generatorNoiseSource, TorchCpuGenerator, torchRandn } from './noise';

const f = Math.fround;
const TWO_24 = 2 ** 24;

/**
 * Position in the MT19937 stream of `seed` where torch's AVX2 randn kernel drew `noise`, found by
 * inverting Box-Muller on the first two lanes (u1 = 1 - exp(-r^2 / 2), u2 = atan2 / 2pi) and scanning
 * the stream for those 24-bit uniforms. Null when not found within `limit` draws.
 */
function locateInStream(seed: number, noise: Float32Array, limit: number): number | null {
  const lane = (j: number): [number, number] => {
    const a = noise[j]!;
    const b = noise[j + 8]!;
    const u1 = 1 - Math.exp(-(a * a + b * b) / 2);
    const theta = Math.atan2(b, a);
    const u2 = (theta < 0 ? theta + 2 * Math.PI : theta) / (2 * Math.PI);
    return [Math.round(u1 * TWO_24), Math.round(u2 * TWO_24)];
  };
  const [a0, b0] = lane(0);
  const [a1, b1] = lane(1);
  const near = (w: number, target: number, tol: number): boolean => {
    const d = Math.abs(w - target) % TWO_24;
    return Math.min(d, TWO_24 - d) <= tol;
  };
  const mt = new Mt19937(seed);
  const ring = new Uint32Array(16);
  for (let i = 0; i < limit; i++) {
    ring[i & 15] = mt.nextUint32() & 0xffffff;
    const k = i - 9;
    if (
      k >= 0 &&
      near(ring[k & 15]!, a0, 4) &&
      near(ring[(k + 8) & 15]!, b0, 16) &&
      near(ring[(k + 1) & 15]!, a1, 4) &&
      near(ring[(k + 9) & 15]!, b1, 16)
    ) {
      return k;
    }
  }
  return null;
}

function expectBitExact(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const mismatches = actual.filter((v, i) => !Object.is(v, expected[i])).length;
  expect(mismatches, `${label}: elements differing from torch`).toBe(0);
}

describe(TorchCpuGenerator.name, () => {
  it.each([
    // Values torch prints for these calls (torch.manual_seed(s); torch.randn(n)), 4 decimals.
    [0, 4, [1.541, -0.2934, -2.1788, 0.5684]],
    [0, 16, [-1.1258, -1.1524, -0.2506, -0.4339, 0.8487, 0.692]],
    [42, 20, [1.9269, 1.4873, 0.9007, -2.1055, -0.7581, 1.0783]],
  ])('reproduces torch.manual_seed(%d); torch.randn(%d)', (seed, n, printed) => {
    const data = new TorchCpuGenerator(seed).randn([n]).data;
    printed.forEach((v, i) => {
      expect(data[i]).toBeCloseTo(v, 4);
    });
  });

  it.each([
    // Bit-exact goldens from a float32 transcription of torch's kernels (validated on the fixtures below).
    [
      0,
      [4],
      [1.5409960746765137, -0.293428897857666, -2.1787893772125244, 0.5684312582015991],
      -0.36279094219207764,
    ],
    [
      0,
      [16],
      [-1.1258398294448853, -1.152360200881958, -0.2505785822868347, -0.4338788092136383],
      -1.909114308655262,
    ],
    [
      42,
      [20],
      [1.9269152879714966, 1.4872840642929077, 0.9007171988487244, -2.1055209636688232],
      4.323166638612747,
    ],
    [
      1234,
      [1, 4, 8, 8],
      [-0.1117185652256012, -0.49659010767936707, 0.16307370364665985, -0.8816877603530884],
      -14.895519378595054,
    ],
  ])('pins seed %d, shape %j to golden values', (seed, shape, head, sum) => {
    const t = torchRandn({ seed, shape });
    expect(t.shape).toEqual(shape);
    expect(Array.from(t.data.subarray(0, head.length))).toEqual(head.map(f));
    expect(t.data.reduce((a, b) => a + b, 0)).toBeCloseTo(sum, 9);
  });

  it('replaces the last 16 values with a fresh block when the size is not a multiple of 16', () => {
    const full = new TorchCpuGenerator(42).randn([20]).data;
    const head16 = new TorchCpuGenerator(42).randn([16]).data;
    // Values 0..3 come from the first block of the fill, values 4..19 from the recomputed tail block.
    expect(Array.from(full.subarray(0, 4))).toEqual(Array.from(head16.subarray(0, 4)));
    expect(Array.from(full.subarray(4))).not.toEqual(Array.from(head16.subarray(4)));
    // 20 uniforms for the fill plus 16 for the tail: the stream continues at draw 36.
    const after = new TorchCpuGenerator(42);
    after.randn([20]);
    const skipped = new TorchCpuGenerator(42);
    skipped.skip(36);
    expect(after.randn([16]).data).toEqual(skipped.randn([16]).data);
  });

  it('caches the second Box-Muller value of the double path across calls, as torch does', () => {
    const split = new TorchCpuGenerator(5);
    const joined = [...split.randn([3]).data, ...split.randn([1]).data];
    expect(joined).toEqual(Array.from(new TorchCpuGenerator(5).randn([4]).data));
  });

  it('gives the same values for the same seed and different values for different seeds', () => {
    const a = torchRandn({ seed: 7, shape: [2, 4, 8, 8] }).data;
    expect(torchRandn({ seed: 7, shape: [2, 4, 8, 8] }).data).toEqual(a);
    expect(torchRandn({ seed: 8, shape: [2, 4, 8, 8] }).data).not.toEqual(a);
  });

  it('seeds from the low 32 bits, wrapping negative seeds like torch', () => {
    const base = torchRandn({ seed: 5, shape: [32] }).data;
    expect(torchRandn({ seed: 2 ** 32 + 5, shape: [32] }).data).toEqual(base);
    expect(torchRandn({ seed: 5n, shape: [32] }).data).toEqual(base);
    expect(torchRandn({ seed: -1, shape: [32] }).data).toEqual(
      torchRandn({ seed: 2 ** 32 - 1, shape: [32] }).data,
    );
    expect(() => torchRandn({ seed: 0.5, shape: [4] })).toThrow(
      expect.objectContaining({ code: 'invalid_seed' }),
    );
  });

  it('has mean ~0 and standard deviation ~1 over 1e6 samples', () => {
    const data = torchRandn({ seed: 123, shape: [1_000_000] }).data;
    let sum = 0;
    let sumSq = 0;
    let beyond3 = 0;
    for (const v of data) {
      sum += v;
      sumSq += v * v;
      if (Math.abs(v) > 3) beyond3++;
    }
    const mean = sum / data.length;
    const std = Math.sqrt(sumSq / data.length - mean * mean);
    // Standard errors: 0.001 for the mean, 0.0007 for the std; P(|z| > 3) = 0.0027.
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(std - 1)).toBeLessThan(0.005);
    expect(beyond3 / data.length).toBeGreaterThan(0.002);
    expect(beyond3 / data.length).toBeLessThan(0.0034);
  });
});

describe('torch parity on the fixtures', () => {
  let vectors: WeightReader;
  beforeAll(async () => {
    vectors = await openVectors();
  });
  afterAll(() => vectors.close());

  it('reproduces sampler.noise and every ancestral step_noise bit for bit from the fixture seed', async () => {
    const json = await readVectorsJson();
    const seed = json.seed;
    if (typeof seed !== 'number') throw new Error('vectors.json has no numeric seed');
    const noise = await vectors.readFloat32('sampler.noise');
    // The reference script drew the tiny models' weights from the same generator first, so the noise
    // starts part-way down the stream; find where, then require every later draw to match exactly.
    const offset = locateInStream(seed, noise.data, 2 ** 27);
    expect(offset, 'sampler.noise not found in the seed stream').not.toBeNull();
    const generator = new TorchCpuGenerator(seed);
    generator.skip(offset ?? 0);
    expectBitExact(generator.randn(noise.shape).data, noise.data, 'sampler.noise');
    const stepKeys = vectors.keys().filter((k) => /\.step_noise_\d+$/.test(k));
    expect(stepKeys.length).toBeGreaterThan(0);
    // The step noises were drawn next from the same generator, one tensor per ancestral step; the
    // file's (sorted) key order need not be the drawing order, so each draw may match any remaining key.
    const remaining = new Map<string, Float32Array>();
    for (const key of stepKeys) remaining.set(key, (await vectors.readFloat32(key)).data);
    const source = generatorNoiseSource(generator);
    while (remaining.size > 0) {
      const drawn = source({ shape: noise.shape, stepIndex: 0, level: 1, nextLevel: 0.5 }).data;
      const match = [...remaining].find(
        ([, ref]) => ref.length === drawn.length && ref.every((v, i) => Object.is(v, drawn[i])),
      );
      expect(
        match?.[0],
        `no step_noise matches the next draw; left: ${[...remaining.keys()].join(', ')}`,
      ).toBeDefined();
      if (match) remaining.delete(match[0]);
    }
  });
});
