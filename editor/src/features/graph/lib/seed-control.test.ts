import { describe, expect, it } from 'vitest';
import { docOf, testTemplates, workflowOf } from '../../../testing/builders';
import { advancedSeeds } from './seed-control';

const templates = testTemplates();
const sampler = (seed: number, control: string | undefined, mode: 'always' | 'muted' = 'always') =>
  docOf(
    workflowOf(
      { '7': { class_type: 'Sampler', inputs: { seed }, mode } },
      control ? { extra: { seed_control: { '7': { seed: control } } } } : {},
    ),
  );

describe(advancedSeeds.name, () => {
  it.each([
    [5, undefined, []],
    [5, 'fixed', []],
    [5, 'increment', [6]],
    [1000, 'increment', [0]],
    [5, 'decrement', [4]],
    [0, 'decrement', [1000]],
    [5, 'randomize', [250]],
  ])('seed %d with %s becomes %j', (seed, control, expected) => {
    expect(advancedSeeds(sampler(seed, control), templates, () => 0.25).map((c) => c.value)).toEqual(
      expected,
    );
  });

  it('leaves muted nodes alone', () => {
    expect(advancedSeeds(sampler(5, 'increment', 'muted'), templates, () => 0.5)).toEqual([]);
  });
});
