import { type NodeContext, Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { Latent } from '../diffusion';
import { bislerp } from './bislerp';
import { latentFromBatch, repeatLatentBatch } from './latent-batch-nodes';
import { LatentUpscale, LatentUpscaleBy, latentUpscaleSize } from './latent-upscale-nodes';
import { SetLatentNoiseMask } from './set-latent-noise-mask';
import { upscaleLatent } from './upscale-latent';

const ctx = {} as NodeContext;
/** [n, c, h, w] with value(n, c, y, x). */
function latentOf(
  shape: [number, number, number, number],
  value: (n: number, c: number, y: number, x: number) => number,
) {
  const [N, C, H, W] = shape;
  const t = Tensor.zeros('float32', shape);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) t.data[((n * C + c) * H + y) * W + x] = value(n, c, y, x);
  return t;
}
const at = (t: Tensor, n: number, c: number, y: number, x: number) =>
  t.data[((n * t.shape[1]! + c) * t.shape[2]! + y) * t.shape[3]! + x]!;
const sample = latentOf([1, 4, 3, 5], (_n, c, y, x) => Math.sin(1.3 * c + 0.7 * y + 0.31 * x * x));

/** torch F.interpolate(mode='bilinear', align_corners=False), written out per output pixel. */
function bilinearReference(t: Tensor, outH: number, outW: number) {
  const [, C, H, W] = t.shape as [number, number, number, number];
  const src = (o: number, inS: number, outS: number) => {
    const s = Math.max((o + 0.5) * (inS / outS) - 0.5, 0);
    const i0 = Math.min(Math.floor(s), inS - 1);
    return { i0, i1: Math.min(i0 + 1, inS - 1), l: s - i0 };
  };
  return latentOf([1, C, outH, outW], (_n, c, y, x) => {
    const sy = src(y, H, outH);
    const sx = src(x, W, outW);
    const v = (yy: number, xx: number) => at(t, 0, c, yy, xx);
    return (
      (1 - sy.l) * ((1 - sx.l) * v(sy.i0, sx.i0) + sx.l * v(sy.i0, sx.i1)) +
      sy.l * ((1 - sx.l) * v(sy.i1, sx.i0) + sx.l * v(sy.i1, sx.i1))
    );
  });
}

function expectClose(a: Tensor, b: Tensor, tol: number) {
  expect(a.shape).toEqual(b.shape);
  a.data.forEach((v, i) => {
    expect(Math.abs(v - b.data[i]!)).toBeLessThanOrEqual(tol);
  });
}

describe(upscaleLatent.name, () => {
  it('bilinear matches torch align_corners=False computed pixel by pixel', () => {
    const out = upscaleLatent(sample, { width: 9, height: 7, method: 'bilinear', crop: 'disabled' });
    expectClose(out, bilinearReference(sample, 7, 9), 1e-6);
  });

  it('nearest-exact picks floor((o + 0.5) * in / out) and area averages exact blocks', () => {
    const near = upscaleLatent(sample, { width: 10, height: 6, method: 'nearest-exact', crop: 'disabled' });
    for (let y = 0; y < 6; y++)
      for (let x = 0; x < 10; x++)
        expect(at(near, 0, 2, y, x)).toBe(
          at(sample, 0, 2, Math.floor(((y + 0.5) * 3) / 6), Math.floor(((x + 0.5) * 5) / 10)),
        );
    const big = latentOf([1, 2, 4, 6], (_n, c, y, x) => c + y * 10 + x);
    const area = upscaleLatent(big, { width: 3, height: 2, method: 'area', crop: 'disabled' });
    expect(at(area, 0, 1, 1, 2)).toBeCloseTo((1 + 24 + 1 + 25 + 1 + 34 + 1 + 35) / 4, 5);
  });

  it("bislerp keeps the lower neighbour where both point the same way (ComfyUI's dot > 1 - 1e-5 case)", () => {
    const dir = [0.2, -0.5, 0.7, 0.4];
    const parallel = latentOf([1, 4, 3, 5], (_n, c, y, x) => dir[c]! * (1 + y + 0.5 * x));
    const lower = (o: number, inS: number, outS: number) =>
      Math.floor(Math.max((o + 0.5) * (inS / outS) - 0.5, 0));
    const expected = latentOf([1, 4, 6, 8], (_n, c, y, x) =>
      at(parallel, 0, c, lower(y, 3, 6), lower(x, 5, 8)),
    );
    expectClose(bislerp(parallel, 8, 6), expected, 1e-6);
  });

  it('bislerp blends orthogonal vectors along the arc: halfway between e1 and 2 e2 is (e1 + e2) / sqrt(2) * 1.5', () => {
    const pair = latentOf([1, 2, 1, 2], (_n, c, _y, x) => (x === 0 ? (c === 0 ? 1 : 0) : c === 1 ? 2 : 0));
    // Upscaling 2 -> 4 columns puts output column 1 at source 0.25 and column 2 at 0.75.
    const out = bislerp(pair, 4, 1);
    const r = 0.25;
    const len = 1 * (1 - r) + 2 * r;
    expect(at(out, 0, 0, 0, 1)).toBeCloseTo(Math.sin((1 - r) * (Math.PI / 2)) * len, 5);
    expect(at(out, 0, 1, 0, 1)).toBeCloseTo(Math.sin(r * (Math.PI / 2)) * len, 5);
    expect(at(out, 0, 0, 0, 0)).toBeCloseTo(1, 6);
  });
});

describe('LatentUpscale / LatentUpscaleBy', () => {
  const latent: Latent = { samples: sample, noiseMask: Tensor.filled([1, 1, 24, 40], 1) };

  it('follows ComfyUI sizes: 0 keeps the aspect ratio, at least 64 pixels a side', () => {
    expect(latentUpscaleSize({ latentWidth: 5, latentHeight: 3, width: 0, height: 48 })).toEqual({
      width: 107,
      height: 64,
    });
    expect(latentUpscaleSize({ latentWidth: 5, latentHeight: 3, width: 160, height: 0 })).toEqual({
      width: 160,
      height: 96,
    });
  });

  it('resizes to size / 8, keeps the noise mask, and returns the input for 0 x 0', async () => {
    const [out] = (await LatentUpscale.run(ctx, {
      samples: latent,
      upscale_method: 'bilinear',
      width: 72,
      height: 64,
      crop: 'disabled',
    })) as [Latent];
    expect(out.samples.shape).toEqual([1, 4, 8, 9]);
    expect(out.noiseMask).toBe(latent.noiseMask);
    const [same] = (await LatentUpscale.run(ctx, {
      samples: latent,
      upscale_method: 'bislerp',
      width: 0,
      height: 0,
      crop: 'center',
    })) as [Latent];
    expect(same).toBe(latent);
    const [by] = (await LatentUpscaleBy.run(ctx, {
      samples: latent,
      upscale_method: 'bicubic',
      scale_by: 1.5,
    })) as [Latent];
    expect(by.samples.shape).toEqual([1, 4, 4, 8]); // round(3 * 1.5) = 4 (half to even), round(7.5) = 8
  });
});

describe('latent batches', () => {
  const batch = latentOf([4, 1, 1, 1], (n) => n);
  const latent: Latent = { samples: batch, noiseMask: latentOf([2, 1, 1, 1], (n) => 10 + n) };

  it('takes a clamped run and records the batch indices; masks cycle to the batch first', () => {
    const out = latentFromBatch(latent, 3, 5);
    expect(Array.from(out.samples.data)).toEqual([3]);
    expect(out.batchIndex).toEqual([3]);
    expect(Array.from(out.noiseMask!.data)).toEqual([11]);
    expect(latentFromBatch(latentFromBatch(latent, 1, 3), 1, 2).batchIndex).toEqual([2, 3]);
  });

  it('repeats samples, multi-entry masks, and batch indices with ComfyUI offsets', () => {
    const picked = latentFromBatch(latent, 0, 3);
    const out = repeatLatentBatch({ ...picked, batchIndex: [0, 2], samples: batch.reshape([4, 1, 1, 1]) }, 2);
    expect(out.batchIndex).toEqual([0, 2, 3, 5]);
    expect(out.samples.shape[0]).toBe(8);
    expect(out.noiseMask!.shape[0]).toBe(6);
  });

  it('SetLatentNoiseMask stores the mask as [N, 1, H, W]', async () => {
    const [out] = (await SetLatentNoiseMask.run(ctx, {
      samples: { samples: batch },
      mask: Tensor.filled([2, 3], 1),
    })) as [Latent];
    expect(out.noiseMask!.shape).toEqual([1, 1, 2, 3]);
  });
});
