import { describe, expect, it } from 'vitest';
import type { ImportWidget } from './import-node-types';
import { mapWidgetValues } from './map-widget-values';

const KSAMPLER: ImportWidget[] = [
  { name: 'seed', kind: 'INT', extra: 'control' },
  { name: 'steps', kind: 'INT' },
  { name: 'cfg', kind: 'FLOAT' },
  { name: 'sampler_name', kind: 'COMBO' },
  { name: 'scheduler', kind: 'COMBO' },
  { name: 'denoise', kind: 'FLOAT' },
];
const LOAD_IMAGE: ImportWidget[] = [{ name: 'image', kind: 'COMBO', extra: 'upload' }];
const NAMED = { seed: 5, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1 };

describe(mapWidgetValues.name, () => {
  it.each([
    [
      'the control value after the seed',
      [5, 'increment', 20, 8, 'euler', 'normal', 1],
      { seed: 'increment' },
    ],
    [
      "old frontends' boolean control (true: randomize)",
      [5, true, 20, 8, 'euler', 'normal', 1],
      { seed: 'randomize' },
    ],
    ['no control value at all', [5, 20, 8, 'euler', 'normal', 1], {}],
  ])('maps KSampler values with %s', (_, raw, controls) => {
    const mapped = mapWidgetValues(KSAMPLER, raw);
    expect({ ...mapped.values }).toEqual(NAMED);
    expect({ ...mapped.controls }).toEqual(controls);
    expect([mapped.leftover, mapped.missing, mapped.mismatched]).toEqual([[], [], []]);
  });

  it.each([
    [['example.png', 'image'], []],
    [['example.png'], []],
    [['example.png', 'image', 'extra'], ['extra']],
  ])('maps an upload combo with and without the button value: %j', (raw, leftover) => {
    const mapped = mapWidgetValues(LOAD_IMAGE, raw);
    expect({ ...mapped.values }).toEqual({ image: 'example.png' });
    expect(mapped.leftover).toEqual(leftover);
  });

  it('reports values that fit no widget, widgets without a value and values of the wrong kind', () => {
    const long = mapWidgetValues(KSAMPLER, [5, 'fixed', 20, 8, 'euler', 'normal', 1, 'surplus', 9]);
    expect(long.leftover).toEqual(['surplus', 9]);
    expect({ ...long.controls }).toEqual({ seed: 'fixed' });
    const short = mapWidgetValues(KSAMPLER, [5, 'fixed', 20]);
    expect(short.missing).toEqual(['cfg', 'sampler_name', 'scheduler', 'denoise']);
    const wrong = mapWidgetValues(KSAMPLER, ['five', 20, 8.5, 'euler', 'normal', 1]);
    expect(wrong.mismatched).toEqual([{ input: 'seed', value: 'five', expected: 'INT' }]);
    // A control slot holding something else: taken as the slot, reported as left over.
    const stray = mapWidgetValues(KSAMPLER, [5, 'sometimes', 20, 8, 'euler', 'normal', 1]);
    expect([{ ...stray.values }, stray.leftover]).toEqual([NAMED, ['sometimes']]);
  });

  it('maps values stored by name, prototype-named keys included', () => {
    const raw = JSON.parse('{"seed": 5, "steps": 20, "__proto__": 1, "constructor": 2}');
    const mapped = mapWidgetValues(KSAMPLER, raw);
    expect({ ...mapped.values }).toEqual({ seed: 5, steps: 20 });
    expect(mapped.missing).toEqual(['cfg', 'sampler_name', 'scheduler', 'denoise']);
    expect(mapped.leftover).toEqual([JSON.parse('{"__proto__": 1}'), { constructor: 2 }]);
  });

  it('treats anything else as no values', () => {
    expect(mapWidgetValues(KSAMPLER, 'junk').missing).toHaveLength(6);
  });
});
