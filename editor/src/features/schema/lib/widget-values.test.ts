import { describe, expect, it } from 'vitest';
import type { WidgetTemplate } from './node-template';
import { filterOptions, hasSliderRange, numericValue } from './widget-values';

const INT: WidgetTemplate & { kind: 'INT' } = {
  kind: 'INT',
  default: 512,
  min: 64,
  max: 2048,
  step: 8,
  slider: false,
};
const FLOAT: WidgetTemplate & { kind: 'FLOAT' } = {
  kind: 'FLOAT',
  default: 1,
  min: 0,
  max: 1,
  step: 0.05,
  round: undefined,
  slider: true,
};
const SEED: WidgetTemplate & { kind: 'SEED' } = {
  kind: 'SEED',
  default: 0,
  min: 0,
  max: Number.MAX_SAFE_INTEGER,
};

describe(numericValue.name, () => {
  it.each([
    [INT, '513', 512],
    [INT, '517', 520],
    [INT, '1', 64],
    [INT, '99999', 2048],
    [INT, ' 72 ', 72],
    [INT, 'abc', undefined],
    [INT, '', undefined],
    [FLOAT, '0.33', 0.35],
    [FLOAT, '0.1', 0.1],
    [FLOAT, '-3', 0],
    [FLOAT, 0.30000000000000004, 0.3],
    [SEED, '12.7', 13],
    [SEED, '-5', 0],
  ] as const)('%j of %j is %s', (widget, input, expected) => {
    expect(numericValue(widget, input)).toBe(expected);
  });
});

describe(hasSliderRange.name, () => {
  it('shows a slider for finite ranges only', () => {
    expect(hasSliderRange(INT)).toBe(true);
    expect(hasSliderRange({ ...INT, max: Number.MAX_SAFE_INTEGER })).toBe(false);
    expect(hasSliderRange(SEED)).toBe(false);
  });
});

describe(filterOptions.name, () => {
  it('matches case-insensitively anywhere', () => {
    expect(filterOptions(['euler', 'euler_ancestral', 'ddim'], 'ANC')).toEqual(['euler_ancestral']);
    expect(filterOptions(['a', 'b'], ' ')).toEqual(['a', 'b']);
  });
});
