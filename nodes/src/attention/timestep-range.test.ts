import { describe, expect, it } from 'vitest';
import { isInRange, timestepRangeFromFractions, WHOLE_SCHEDULE } from './timestep-range';

describe(timestepRangeFromFractions.name, () => {
  it.each([
    [0, 1, WHOLE_SCHEDULE],
    [0, 0.5, { first: Number.POSITIVE_INFINITY, last: 499.5 }],
    [0.2, 1, { first: 799.2, last: Number.NEGATIVE_INFINITY }],
  ])('start %f, end %f', (start, end, range) => {
    const got = timestepRangeFromFractions(start, end);
    expect(got.first).toBeCloseTo(range.first, 6);
    expect(got.last).toBeCloseTo(range.last, 6);
  });

  it.each([
    [0.6, 0.5],
    [-0.1, 1],
    [0, 1.1],
  ])('refuses start %f, end %f', (start, end) => {
    expect(() => timestepRangeFromFractions(start, end)).toThrow(
      expect.objectContaining({ code: 'invalid_range' }),
    );
  });
});

describe(isInRange.name, () => {
  it("follows MoMA's cut-off: the self path is off from t = 950 up", () => {
    const range = { first: 949, last: Number.NEGATIVE_INFINITY };
    expect([981, 961, 950, 949, 1].map((t) => isInRange(range, t))).toEqual([
      false,
      false,
      false,
      true,
      true,
    ]);
  });
});
