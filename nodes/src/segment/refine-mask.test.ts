import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { featherMask, keepLargestComponent, refineMask, thresholdMask } from './refine-mask';

/** A mask from rows of '#' (1), '+' (0.6), '.' (0). */
function plane(rows: readonly string[]): { mask: Float32Array; width: number; height: number } {
  const values = { '#': 1, '+': 0.6, '.': 0 } as const;
  const mask = Float32Array.from(rows.join('').split(''), (c) => values[c as keyof typeof values]);
  return { mask, width: rows[0]!.length, height: rows.length };
}

describe(thresholdMask.name, () => {
  it('is 1 at and above the threshold', () => {
    expect([...thresholdMask(Float32Array.of(0.2, 0.5, 0.7), 0.5)]).toEqual([0, 1, 1]);
  });
});

describe(keepLargestComponent.name, () => {
  it('keeps the largest 8-connected region and leaves values below the cutoff alone', () => {
    const { mask, width, height } = plane([
      '##....#', //
      '##.....',
      '..#...+',
      '......+',
    ]);
    const kept = keepLargestComponent(mask, { width, height, cutoff: 0.5 });
    // The diagonal pixel joins the 2x2 block (8-connectivity); the lone pixel and the 0.6 pair go.
    expect([...kept]).toEqual([...plane(['##.....', '##.....', '..#....', '.......']).mask]);
  });

  it('returns an empty or single-region mask unchanged', () => {
    const empty = new Float32Array(6);
    expect([...keepLargestComponent(empty, { width: 3, height: 2, cutoff: 0.5 })]).toEqual([...empty]);
    const one = plane(['.#+', '...']);
    expect([...keepLargestComponent(one.mask, { ...one, cutoff: 0.5 })]).toEqual([...one.mask]);
  });

  it('never adds mask and leaves exactly one region (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.infiniteStream(fc.boolean()),
        (width, height, bits) => {
          const mask = Float32Array.from({ length: width * height }, () => (bits.next().value ? 1 : 0));
          const kept = keepLargestComponent(mask, { width, height, cutoff: 0.5 });
          expect(kept.every((v, i) => v <= mask[i]!)).toBe(true);
          const again = keepLargestComponent(kept, { width, height, cutoff: 0.5 });
          expect([...again]).toEqual([...kept]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe(featherMask.name, () => {
  it('keeps the total, stays in [0,1] and softens a hard edge symmetrically', () => {
    const { mask, width, height } = plane(['....####', '....####', '....####']);
    const soft = featherMask(mask, { width, height, radius: 3 });
    const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
    // Replicated edges keep the mass of a step edge that runs across the whole image.
    expect(sum(soft)).toBeCloseTo(sum(mask), 4);
    expect(soft.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(soft[3]! + soft[4]!).toBeCloseTo(1, 5);
    expect(soft[3]!).toBeGreaterThan(0.1);
    expect(soft[0]!).toBeLessThan(soft[3]!);
  });

  it('is a copy for radius 0', () => {
    const mask = Float32Array.of(0, 1);
    const out = featherMask(mask, { width: 2, height: 1, radius: 0 });
    expect(out).not.toBe(mask);
    expect([...out]).toEqual([0, 1]);
  });
});

describe(refineMask.name, () => {
  const soft = Float32Array.of(0.9, 0.1, 0.7, 0.3);
  const base = { width: 4, height: 1, threshold: 0, keepLargest: false, feather: 0, invert: false };

  it.each([
    ['keeps the soft prediction', {}, [0.9, 0.1, 0.7, 0.3]],
    ['binarises at the threshold', { threshold: 0.5 }, [1, 0, 1, 0]],
    ['inverts', { invert: true }, [0.1, 0.9, 0.3, 0.7]],
    [
      'binarises then keeps the largest region (first on a tie)',
      { threshold: 0.5, keepLargest: true },
      [1, 0, 0, 0],
    ],
    [
      'inverts after keeping the largest region',
      { threshold: 0.5, keepLargest: true, invert: true },
      [0, 1, 1, 1],
    ],
  ])('%s', (_name, options, expected) => {
    const out = refineMask(soft, { ...base, ...options });
    expect([...out].map((v) => Math.round(v * 1000) / 1000)).toEqual(expected);
  });
});
