import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { PatchOutputs, UnetRunInput, UnetRunResult } from '../models/unet';
import { SD1_SCHEDULE, sigmaToTimestep } from '../samplers';
import { createCfgDenoiser } from './cfg-denoiser';
import type { Conditioning } from './diffusion-types';
import { guidedEntries, guidedRows } from './guided-rows';

/** A conditioning entry whose context is all `value`. */
const entry = (value: number, rows = 1): Conditioning[number] => ({
  context: Tensor.filled([rows, 3, 2], value),
});

/**
 * A UNet whose noise prediction for batch row r is the mean of its context row r, so the result shows
 * which conditioning each row carried; it records every call and returns the call index as a patch output.
 */
function fakeUnet() {
  const calls: UnetRunInput[] = [];
  return {
    calls,
    run: async (input: UnetRunInput): Promise<UnetRunResult> => {
      calls.push(input);
      const [rows = 0, ...item] = input.sample.shape;
      const per = input.sample.size / rows;
      const ctx = input.encoderHiddenStates;
      const ctxPer = ctx.size / (ctx.shape[0] ?? 1);
      const noisePred = Tensor.zeros('float32', [rows, ...item]);
      for (let r = 0; r < rows; r++) {
        const slice = ctx.data.subarray(r * ctxPer, (r + 1) * ctxPer);
        noisePred.data.fill(slice.reduce((a, b) => a + b, 0) / ctxPer, r * per, (r + 1) * per);
      }
      const patchOutputs: PatchOutputs = { probe: { call: Tensor.filled([1], calls.length) } };
      return { noisePred, patchOutputs };
    },
  };
}

const x = Tensor.filled([1, 4, 2, 2], 3);

describe(createCfgDenoiser.name, () => {
  it('runs [uncond; cond] as one batch at the nearest timestep on the scaled input, guiding x0', async () => {
    const unet = fakeUnet();
    const denoise = createCfgDenoiser({
      unet,
      positive: [entry(2)],
      negative: [entry(1)],
      cfg: 7.5,
      domain: 'sigma',
      schedule: SD1_SCHEDULE,
      batch: 1,
    });
    const sigma = 2.5;
    const out = await denoise(x, sigma, 0);
    expect(unet.calls).toHaveLength(1);
    const call = unet.calls[0]!;
    expect(call.sample.shape).toEqual([2, 4, 2, 2]);
    expect(call.sample.data[0]).toBeCloseTo(3 / Math.sqrt(sigma * sigma + 1), 6);
    expect(call.timestep).toBe(sigmaToTimestep(SD1_SCHEDULE, sigma));
    expect(Array.from(call.encoderHiddenStates.data.slice(0, 6))).toEqual([1, 1, 1, 1, 1, 1]);
    // D_u = x - sigma * 1, D_c = x - sigma * 2, D = D_u + cfg (D_c - D_u)
    expect(out.data[0]).toBeCloseTo(3 - sigma - 7.5 * sigma, 4);
  });

  it('skips the negative pass at cfg 1', async () => {
    const unet = fakeUnet();
    const denoise = createCfgDenoiser({
      unet,
      positive: [entry(2)],
      negative: [entry(1)],
      cfg: 1,
      domain: 'sigma',
      schedule: SD1_SCHEDULE,
      batch: 1,
    });
    const out = await denoise(x, 1, 0);
    expect(unet.calls[0]!.sample.shape[0]).toBe(1);
    expect(out.data[0]).toBeCloseTo(3 - 2, 6);
  });

  it('guides the noise prediction of the unscaled sample in the timestep domain', async () => {
    const unet = fakeUnet();
    const denoise = createCfgDenoiser({
      unet,
      positive: [entry(2)],
      negative: [entry(1)],
      cfg: 5,
      domain: 'timestep',
      schedule: SD1_SCHEDULE,
      batch: 1,
    });
    const out = await denoise(x, 801, 0);
    expect(unet.calls[0]!.timestep).toBe(801);
    expect(unet.calls[0]!.sample.data[0]).toBe(3);
    expect(out.data[0]).toBeCloseTo(1 + 5 * (2 - 1), 6);
  });

  it('repeats one-row contexts over the latent batch and averages several entries', async () => {
    const unet = fakeUnet();
    const denoise = createCfgDenoiser({
      unet,
      positive: [entry(2), entry(4, 2)],
      negative: [entry(1)],
      cfg: 2,
      domain: 'timestep',
      schedule: SD1_SCHEDULE,
      batch: 2,
    });
    const out = await denoise(Tensor.filled([2, 4, 2, 2], 0), 500, 0);
    expect(unet.calls[0]!.sample.shape).toEqual([6, 4, 2, 2]);
    expect(unet.calls[0]!.encoderHiddenStates.shape).toEqual([6, 3, 2]);
    expect(out.shape).toEqual([2, 4, 2, 2]);
    expect(out.data[0]).toBeCloseTo(1 + 2 * (3 - 1), 6);
  });

  it('tells each call its index and sigma, and lays rows out as guidedRows describes them', async () => {
    const unet = fakeUnet();
    const positive = [entry(2), entry(4, 2)];
    const negative = [entry(1)];
    const denoise = createCfgDenoiser({
      unet,
      positive,
      negative,
      cfg: 3,
      domain: 'sigma',
      schedule: SD1_SCHEDULE,
      batch: 2,
    });
    await denoise(Tensor.filled([2, 4, 2, 2], 0), 3, 0);
    await denoise(Tensor.filled([2, 4, 2, 2], 0), 2, 1);
    expect(unet.calls.map((c) => c.step)).toEqual([
      { index: 0, sigma: 3 },
      { index: 1, sigma: 2 },
    ]);
    const rows = guidedRows(guidedEntries({ positive, negative, cfg: 3 }), 2);
    const context = unet.calls[0]!.encoderHiddenStates;
    const per = context.size / rows.length;
    rows.forEach((row, r) => {
      const side = row.role === 'cond' ? positive : negative;
      const expected = side[row.entry]!.context.data[0];
      expect(context.data[r * per], `row ${r}`).toBe(expected);
    });
    expect(rows.map((r) => [r.role, r.entry, r.latent])).toEqual([
      ['uncond', 0, 0],
      ['uncond', 0, 1],
      ['cond', 0, 0],
      ['cond', 0, 1],
      ['cond', 1, 0],
      ['cond', 1, 1],
    ]);
  });
});
