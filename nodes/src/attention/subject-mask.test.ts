import { describe, expect, it } from 'vitest';
import type { BatchRow } from '../models/unet';
import { generatedSubjectMask } from './subject-mask';

const row = (role: BatchRow['role'], latent = 0): BatchRow => ({
  role,
  entry: 0,
  latent,
  tokenIds: undefined,
});

describe(generatedSubjectMask.name, () => {
  it('normalises each row per layer, averages layers, then normalises over the latent rows and thresholds', () => {
    // One 2x2 layer, rows [uncond, cond]; the uncond row's map matters only through the joint min-max.
    const mask = generatedSubjectMask({
      maps: [{ data: Float32Array.of(0, 1, 2, 3, 0, 0, 0, 9), height: 2, width: 2 }],
      rows: [row('uncond'), row('cond')],
      height: 2,
      width: 2,
      threshold: 0.2,
    });
    // Rows normalised: uncond [0, 1/3, 2/3, 1], cond [0, 0, 0, 1]; joint min-max keeps them; values
    // <= 0.2 go to 0; the cond row is [0, 0, 0, 1].
    expect(Array.from(mask.data)).toEqual([0, 0, 0, 1]);
    expect(mask.shape).toEqual([1, 1, 2, 2]);
  });

  it('averages layers of other sizes after a nearest-neighbour resize to the latent', () => {
    const mask = generatedSubjectMask({
      maps: [
        { data: Float32Array.of(0, 1, 0, 1), height: 2, width: 2 },
        { data: Float32Array.of(1), height: 1, width: 1 },
      ],
      rows: [row('cond')],
      height: 2,
      width: 2,
      threshold: 0,
    });
    // The 1x1 map is constant: it normalises to 0 (no division by zero) and halves the other.
    expect(Array.from(mask.data)).toEqual([0, 1, 0, 1]);
  });

  it('gives zeros, not NaN, for constant maps', () => {
    const mask = generatedSubjectMask({
      maps: [{ data: new Float32Array(8).fill(0.3), height: 2, width: 2 }],
      rows: [row('uncond'), row('cond')],
      height: 2,
      width: 2,
      threshold: 0.2,
    });
    expect(Array.from(mask.data)).toEqual([0, 0, 0, 0]);
  });

  it('keeps latents apart and works without negative rows (cfg 1)', () => {
    const mask = generatedSubjectMask({
      maps: [{ data: Float32Array.of(0, 4, 0, 1, 3, 0, 0, 0), height: 2, width: 2 }],
      rows: [row('cond', 0), row('cond', 1)],
      height: 2,
      width: 2,
      threshold: 0.5,
    });
    expect(Array.from(mask.data.subarray(0, 4))).toEqual([0, 1, 0, 0]);
    expect(Array.from(mask.data.subarray(4))).toEqual([1, 0, 0, 0]);
  });
});
