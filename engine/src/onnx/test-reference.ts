/**
 * @module
 * Plain-TS reference implementations (float64, torch semantics) and small utilities for the tests
 * of this folder: seeded random tensors, running a built model once, and a closeness check.
 * Test-only: not exported from the folder's index.
 */
import * as ort from 'onnxruntime-node';
import type { DType } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';
import type { OnnxModel } from './onnx-model';
import { fromOrtTensor, toOrtTensor } from './ort-tensor';

/** mulberry32: a tiny seeded PRNG, so every test input is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard-normal float32 tensor (Box-Muller) times `scale`. */
export function randomTensor(shape: readonly number[], seed: number, scale = 1): Tensor<'float32'> {
  const next = seededRandom(seed);
  const t = Tensor.zeros('float32', shape);
  for (let i = 0; i < t.size; i++) {
    const u = Math.max(next(), 1e-12);
    t.data[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next()) * scale;
  }
  return t;
}

/** Run `model` once on the CPU provider and return every output as an engine tensor. */
export async function runModel(
  model: OnnxModel,
  feeds: Readonly<Record<string, Tensor<DType>>>,
): Promise<Record<string, Tensor<DType>>> {
  const session = await ort.InferenceSession.create(model.bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
  });
  try {
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrtTensor(v)]));
    const out = await session.run(ortFeeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, fromOrtTensor(v as ort.Tensor)]));
  } finally {
    await session.release();
  }
}

/**
 * Throw unless |actual - expected| <= atol + rtol·|expected| everywhere. `atol` only matters for
 * expected values near zero, where a relative bound means nothing.
 */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6 }: { rtol?: number; atol?: number } = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} != expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: ${a} vs expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** y = x Wᵀ + b for x [rows, in], torch weight [out, in]. */
export function linearRef(
  x: ArrayLike<number>,
  rows: number,
  w: Tensor<'float32'>,
  bias?: Tensor<'float32'>,
): number[] {
  const [outF, inF] = w.shape as [number, number];
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = bias?.data[o] ?? 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i]! * w.data[o * inF + i]!;
      y.push(s);
    }
  }
  return y;
}

/** torch Conv2d on NCHW with symmetric padding. */
export function conv2dRef(
  x: Tensor<'float32'>,
  w: Tensor<'float32'>,
  bias: Tensor<'float32'> | undefined,
  o: { stride: number; padding: number; groups: number },
): { data: number[]; shape: number[] } {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [oc, icg, kh, kw] = w.shape as [number, number, number, number];
  const oh = Math.floor((h + 2 * o.padding - kh) / o.stride) + 1;
  const ow = Math.floor((wd + 2 * o.padding - kw) / o.stride) + 1;
  const ocg = oc / o.groups;
  const data: number[] = [];
  for (let b = 0; b < n; b++)
    for (let f = 0; f < oc; f++)
      for (let y = 0; y < oh; y++)
        for (let xx = 0; xx < ow; xx++) {
          let s = bias?.data[f] ?? 0;
          const g = Math.floor(f / ocg);
          for (let ci = 0; ci < icg; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = y * o.stride - o.padding + ky;
                const ix = xx * o.stride - o.padding + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const xi = ((b * c + g * icg + ci) * h + iy) * wd + ix;
                s += x.data[xi]! * w.data[((f * icg + ci) * kh + ky) * kw + kx]!;
              }
          data.push(s);
        }
  return { data, shape: [n, oc, oh, ow] };
}

/** torch GroupNorm (biased variance) on [N, C, ...]. */
export function groupNormRef(
  x: Tensor<'float32'>,
  groups: number,
  eps: number,
  weight?: Tensor<'float32'>,
  bias?: Tensor<'float32'>,
): number[] {
  const [n, c] = x.shape as [number, number];
  const spatial = x.size / (n * c);
  const per = (c / groups) * spatial;
  const y = new Array<number>(x.size);
  for (let b = 0; b < n; b++)
    for (let g = 0; g < groups; g++) {
      const start = (b * groups + g) * per;
      let mean = 0;
      for (let i = 0; i < per; i++) mean += x.data[start + i]!;
      mean /= per;
      let v = 0;
      for (let i = 0; i < per; i++) v += (x.data[start + i]! - mean) ** 2;
      const inv = 1 / Math.sqrt(v / per + eps);
      for (let i = 0; i < per; i++) {
        const ch = g * (c / groups) + Math.floor(i / spatial);
        y[start + i] = (x.data[start + i]! - mean) * inv * (weight?.data[ch] ?? 1) + (bias?.data[ch] ?? 0);
      }
    }
  return y;
}

/** torch LayerNorm over the last axis. */
export function layerNormRef(
  x: Tensor<'float32'>,
  eps: number,
  weight?: Tensor<'float32'>,
  bias?: Tensor<'float32'>,
): number[] {
  const d = x.shape.at(-1)!;
  const y: number[] = [];
  for (let r = 0; r < x.size / d; r++) {
    const row = Array.from(x.data.subarray(r * d, (r + 1) * d));
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean) ** 2, 0) / d + eps);
    for (const [i, v] of row.entries())
      y.push((v - mean) * inv * (weight?.data[i] ?? 1) + (bias?.data[i] ?? 0));
  }
  return y;
}

/** Multi-head attention on q [B,N,C], k [B,M,C], v [B,M,Cv]; bias [B|1, H|1, N, M] optional. */
export function attentionRef(
  q: Tensor<'float32'>,
  k: Tensor<'float32'>,
  v: Tensor<'float32'>,
  heads: number,
  scale: number,
  bias?: Tensor<'float32'>,
): { out: number[]; probs: number[] } {
  const [bs, n, c] = q.shape as [number, number, number];
  const m = k.shape[1]!;
  const cv = v.shape[2]!;
  const d = c / heads;
  const dv = cv / heads;
  const out = new Array<number>(bs * n * cv).fill(0);
  const probs: number[] = [];
  for (let b = 0; b < bs; b++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < n; i++) {
        const scores: number[] = [];
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let e = 0; e < d; e++)
            s += q.data[(b * n + i) * c + h * d + e]! * k.data[(b * m + j) * c + h * d + e]!;
          const bb =
            bias === undefined
              ? 0
              : bias.data[
                  (((bias.shape[0] === 1 ? 0 : b) * (bias.shape[1] === 1 ? 1 : heads) +
                    (bias.shape[1] === 1 ? 0 : h)) *
                    n +
                    i) *
                    m +
                    j
                ]!;
          scores.push(s * scale + bb);
        }
        const mx = Math.max(...scores);
        const ex = scores.map((s) => Math.exp(s - mx));
        const sum = ex.reduce((a, x) => a + x, 0);
        const p = ex.map((x) => x / sum);
        probs.push(...p);
        for (let e = 0; e < dv; e++) {
          let s = 0;
          for (let j = 0; j < m; j++) s += p[j]! * v.data[(b * m + j) * cv + h * dv + e]!;
          out[(b * n + i) * cv + h * dv + e] = s;
        }
      }
  return { out, probs };
}

/** erf to ~1e-14: Taylor series near 0, continued fraction for erfc in the tails. */
export function erfRef(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + k / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f));
}

export const geluRef = (x: number): number => 0.5 * x * (1 + erfRef(x / Math.SQRT2));
export const geluTanhRef = (x: number): number =>
  0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
export const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
export const quickGeluRef = (x: number): number => x * sigmoidRef(1.702 * x);
export const siluRef = (x: number): number => x * sigmoidRef(x);

/** Nearest 2x upsampling of NCHW (torch rule: source index floor(i / 2)). */
export function upsampleRef(x: Tensor<'float32'>): number[] {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const y: number[] = [];
  for (let p = 0; p < n * c; p++)
    for (let i = 0; i < 2 * h; i++)
      for (let j = 0; j < 2 * w; j++) y.push(x.data[(p * h + Math.floor(i / 2)) * w + Math.floor(j / 2)]!);
  return y;
}

/**
 * diffusers `get_timestep_embedding`, with the float32 roundings torch performs (frequency table and
 * t·freq products), so it agrees with a float32 graph to float32 precision.
 */
export function timestepEmbeddingRef(
  ts: readonly number[],
  o: { dim: number; flipSinToCos: boolean; downscaleFreqShift: number },
): number[] {
  const half = Math.floor(o.dim / 2);
  const f = Math.fround;
  const y: number[] = [];
  for (const t of ts) {
    const args = Array.from({ length: half }, (_, i) =>
      f(t * f(Math.exp(f(f(f(-Math.log(10000)) * i) / (half - o.downscaleFreqShift))))),
    );
    const sin = args.map(Math.sin);
    const cos = args.map(Math.cos);
    y.push(...(o.flipSinToCos ? [...cos, ...sin] : [...sin, ...cos]));
    if (o.dim % 2 === 1) y.push(0);
  }
  return y;
}
