import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { UnetRunInput, UnetRunResult } from '../models/unet';
import { SD1_SCHEDULE } from '../samplers';
import { combineRegions, cropArea, hasRegions, resolveRegions } from './conditioning-regions';
import type { ConditioningEntry } from './diffusion-types';
import { createRegionalCfgDenoiser } from './regional-cfg-denoiser';

const ctx = (v: number) => Tensor.filled([1, 3, 2], v);
const SHAPE = [1, 2, 32, 24];

/** Fade factor ComfyUI applies at row/col t of an area side inside the latent (rr = min(8, size / 4)). */
const fade = (t: number, size: number) => {
  const rr = Math.min(8, Math.floor(size / 4));
  return t < rr ? (t + 1) / rr : 1;
};

describe(resolveRegions.name, () => {
  it('weights an area entry by strength with an 8-pixel fade on its inner edges only', () => {
    const area = { height: 16, width: 12, y: 8, x: 0 }; // left edge on the latent border: no fade there
    const { positive } = resolveRegions({
      positive: [{ context: ctx(1), area, strength: 2 }],
      negative: [],
      shape: SHAPE,
    });
    const r = positive[0]!;
    expect(r.area).toEqual(area);
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 12; x++) {
        const expected = 2 * Math.min(fade(y, 16), fade(15 - y, 16)) * fade(11 - x, 12);
        expect(r.mult.data[(1 * 16 + y) * 12 + x]).toBeCloseTo(expected, 6);
      }
    }
  });

  it('clamps an area reaching past the latent and resizes masks, with their bounds for "mask bounds"', () => {
    const { positive } = resolveRegions({
      positive: [{ context: ctx(1), area: { height: 40, width: 40, y: 20, x: 10 } }],
      negative: [],
      shape: SHAPE,
    });
    expect(positive[0]!.area).toEqual({ height: 12, width: 14, y: 20, x: 10 });
    // A 64 x 48 mask (pixels) with ones in rows 16..31, cols 8..23 -> latent rows 8..15, cols 4..11.
    const mask = Tensor.zeros('float32', [1, 64, 48]);
    for (let y = 16; y < 32; y++) mask.data.fill(1, y * 48 + 8, y * 48 + 24);
    const masked = resolveRegions({
      positive: [{ context: ctx(1), mask, maskStrength: 0.5, setAreaToBounds: true }],
      negative: [],
      shape: SHAPE,
    }).positive[0]!;
    expect(masked.area.y).toBeGreaterThanOrEqual(7);
    expect(masked.area.y + masked.area.height).toBeLessThanOrEqual(17);
    expect(masked.area.height).toBeGreaterThanOrEqual(8);
    const centre = (12 - masked.area.y) * masked.area.width + (8 - masked.area.x);
    expect(masked.mult.data[centre]).toBeCloseTo(0.5, 6);
  });

  it('gives the other side a copy of each area with its own enclosing prompt', () => {
    const area = { height: 8, width: 8, y: 8, x: 8 };
    const { positive, negative } = resolveRegions({
      positive: [{ context: ctx(1) }, { context: ctx(2), area, strength: 0.5 }],
      negative: [{ context: ctx(9) }],
      shape: SHAPE,
    });
    expect(positive).toHaveLength(2);
    expect(negative).toHaveLength(2);
    expect(negative[1]!.area).toEqual(area);
    expect(negative[1]!.context.data[0]).toBe(9);
    expect(negative[1]!.mult.data[3 * 8 + 3]).toBeCloseTo(0.5, 6);
  });
});

describe(combineRegions.name, () => {
  it('averages predictions by weight per pixel, and is 0 where nothing applies', () => {
    const full: ConditioningEntry = { context: ctx(1) };
    const area = { height: 16, width: 16, y: 8, x: 4 };
    const { positive } = resolveRegions({
      positive: [full, { context: ctx(2), area, strength: 2 }],
      negative: [],
      shape: SHAPE,
    });
    const out = combineRegions(SHAPE, [
      { region: positive[0]!, prediction: Tensor.filled([1, 2, 32, 24], 1) },
      { region: positive[1]!, prediction: Tensor.filled([1, 2, 16, 16], 4) },
    ]);
    const at = (y: number, x: number) => out.data[y * 24 + x]!;
    expect(at(0, 0)).toBeCloseTo(1, 6);
    expect(at(16, 12)).toBeCloseTo((1 + 4 * 2) / 3, 5);
    const edge = 2 * fade(0, 16) * fade(0, 16);
    expect(at(8, 4)).toBeCloseTo((1 + 4 * edge) / (1 + edge), 5);
    const onlyArea = combineRegions(SHAPE, [
      { region: positive[1]!, prediction: Tensor.filled([1, 2, 16, 16], 4) },
    ]);
    expect(onlyArea.data[0]).toBe(0);
  });
});

describe(createRegionalCfgDenoiser.name, () => {
  it('runs each crop size once, at the crop, and guides the weighted sides', async () => {
    const calls: UnetRunInput[] = [];
    // noise = mean of the row's context, so each entry's x0 is x - sigma * its value.
    const unet = {
      run: async (input: UnetRunInput): Promise<UnetRunResult> => {
        calls.push(input);
        const [rows = 0] = input.sample.shape;
        const per = input.sample.size / rows;
        const ctxPer = input.encoderHiddenStates.size / rows;
        const noisePred = Tensor.zeros('float32', input.sample.shape);
        for (let r = 0; r < rows; r++)
          noisePred.data.fill(input.encoderHiddenStates.data[r * ctxPer]!, r * per, (r + 1) * per);
        return { noisePred, patchOutputs: {} };
      },
    };
    const area = { height: 16, width: 16, y: 16, x: 8 };
    const denoise = createRegionalCfgDenoiser({
      unet,
      positive: [{ context: ctx(1) }, { context: ctx(3), area, strength: 1 }],
      negative: [{ context: ctx(0) }],
      cfg: 2,
      domain: 'sigma',
      schedule: SD1_SCHEDULE,
      batch: 1,
    });
    const x = Tensor.filled(SHAPE, 5);
    const sigma = 1.5;
    const out = await denoise(x, sigma, 0);
    expect(calls.map((c) => c.sample.shape)).toEqual([
      [2, 2, 32, 24],
      [2, 2, 16, 16],
    ]);
    expect(cropArea(x, area).shape).toEqual([1, 2, 16, 16]);
    const at = (y: number, x0: number) => out.data[y * 24 + x0]!;
    // Outside the area: cond x0 = 5 - 1.5, uncond 5 - 0.
    expect(at(0, 0)).toBeCloseTo(5 + 2 * (5 - 1.5 - 5), 5);
    // Area centre: cond = mean of (5 - 1.5) and (5 - 4.5); uncond = mean of 5 and the paired 5.
    expect(at(24, 16)).toBeCloseTo(5 + 2 * ((3.5 + 0.5) / 2 - 5), 5);
  });

  it('rejects timestep-domain samplers with unsupported_sampler', () => {
    expect(() =>
      createRegionalCfgDenoiser({
        unet: { run: async () => ({ noisePred: Tensor.zeros('float32', [1]), patchOutputs: {} }) },
        positive: [{ context: ctx(1), strength: 2 }],
        negative: [],
        cfg: 1,
        domain: 'timestep',
        schedule: SD1_SCHEDULE,
        batch: 1,
      }),
    ).toThrow(expect.objectContaining({ code: 'unsupported_sampler' }));
    expect(hasRegions([[{ context: ctx(1) }]])).toBe(false);
  });
});
