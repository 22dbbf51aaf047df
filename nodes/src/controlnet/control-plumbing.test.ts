import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import type { Conditioning } from '../diffusion/diffusion-types';
import { SD1_SCHEDULE, tToSigma } from '../samplers';
import type { ControlApplication } from './control-types';
import { controlWindow, isInWindow, percentToSigma } from './control-window';
import { broadcastRows } from './hint-batch';
import { withUncondControl } from './uncond-control';

const rows = (n: number) =>
  new Tensor(
    'float32',
    [n, 1],
    Float32Array.from({ length: n }, (_, i) => i),
  );

describe(broadcastRows.name, () => {
  it.each([
    [1, 4, 2, [0, 0, 0, 0]],
    [2, 4, 2, [0, 1, 0, 1]],
    [3, 4, 2, [0, 1, 0, 1]],
    [2, 6, 2, [0, 1, 0, 0, 1, 0]],
    [4, 4, 1, [0, 1, 2, 3]],
  ])(
    '%i hints over %i rows in %i chunks -> %j (ComfyUI broadcast_image_to)',
    (n, total, chunks, expected) => {
      expect(Array.from(broadcastRows(rows(n), total, chunks).data)).toEqual(expected);
    },
  );
});

describe(percentToSigma.name, () => {
  it('maps 0 above every sigma, 1 to 0, and p to the sigma at t = (1 - p) * 999', () => {
    expect(percentToSigma(SD1_SCHEDULE, 0)).toBeGreaterThan(SD1_SCHEDULE.sigmaMax);
    expect(percentToSigma(SD1_SCHEDULE, 1)).toBe(0);
    expect(percentToSigma(SD1_SCHEDULE, 0.25)).toBeCloseTo(tToSigma(SD1_SCHEDULE, 749.25), 10);
  });

  it('admits sigmas between end and start only', () => {
    const w = controlWindow(SD1_SCHEDULE, 0.2, 0.6);
    const mid = tToSigma(SD1_SCHEDULE, 600);
    expect([isInWindow(w, SD1_SCHEDULE.sigmaMax), isInWindow(w, mid), isInWindow(w, 0.1)]).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe(withUncondControl.name, () => {
  const entry = (control?: ControlApplication) => ({
    context: rows(1),
    ...(control === undefined ? {} : { control }),
  });
  const app = (applyToUncond: boolean, tag: number) =>
    ({ applyToUncond, strength: tag }) as unknown as ControlApplication;

  it('gives an uncontrolled negative the legacy-applied ControlNets, cycling, last one winning', () => {
    const a = app(true, 1);
    const b = app(true, 2);
    const negative: Conditioning = [entry(), entry()];
    expect(withUncondControl([entry(a)], negative).map((e) => e.control)).toEqual([a, undefined]);
    expect(withUncondControl([entry(a), entry(b), entry(a)], negative).map((e) => e.control)).toEqual([a, b]);
  });

  it('changes nothing for Apply ControlNet (advanced) or when the negative has a ControlNet', () => {
    const negative: Conditioning = [entry()];
    expect(withUncondControl([entry(app(false, 1))], negative)).toBe(negative);
    const controlled: Conditioning = [entry(app(false, 3))];
    expect(withUncondControl([entry(app(true, 1))], controlled)).toBe(controlled);
  });
});
