import type { WeightReader } from '@momaflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDiscreteSchedule,
  SD1_SCHEDULE,
  sigmaToT,
  sigmaToTimestep,
  tToSigma,
} from './discrete-schedule';
import { openVectors } from './fixtures-dir';

describe(createDiscreteSchedule.name, () => {
  let vectors: WeightReader;
  beforeAll(async () => {
    vectors = await openVectors();
  });
  afterAll(() => vectors.close());

  it('reproduces the reference 1000-step scaled_linear sigmas within 1e-4 relative', async () => {
    const ref = await vectors.readFloat32('sched.sigmas_1000');
    const ours = createDiscreteSchedule({ timesteps: ref.size });
    for (let t = 0; t < ref.size; t++) {
      expect(Math.abs(ours.sigmas[t]! / ref.data[t]! - 1), `t=${t}`).toBeLessThan(1e-4);
    }
    expect(ours.sigmaMin).toBe(ours.sigmas[0]);
    expect(ours.sigmaMax).toBe(ours.sigmas[ref.size - 1]);
  });

  it('matches the closed form sigma = sqrt((1 - abar) / abar) and is increasing', () => {
    const s = SD1_SCHEDULE;
    for (let t = 0; t < s.sigmas.length; t++) {
      const abar = s.alphasCumprod[t]!;
      expect(s.sigmas[t]).toBeCloseTo(Math.sqrt((1 - abar) / abar), 5);
      if (t > 0) expect(s.sigmas[t]!).toBeGreaterThan(s.sigmas[t - 1]!);
    }
    // beta_0 = linear_start, so abar_0 = 1 - 0.00085.
    expect(s.alphasCumprod[0]).toBeCloseTo(1 - 0.00085, 12);
  });

  it.each([[{ timesteps: 1 }], [{ timesteps: 10.5 }], [{ linearStart: 0 }], [{ linearEnd: 1.2 }]])(
    'rejects %o with invalid_schedule',
    (options) => {
      expect(() => createDiscreteSchedule(options)).toThrow(
        expect.objectContaining({ code: 'invalid_schedule' }),
      );
    },
  );
});

describe(sigmaToTimestep.name, () => {
  it('maps every training sigma back to its own timestep', () => {
    for (let t = 0; t < SD1_SCHEDULE.sigmas.length; t++) {
      expect(sigmaToTimestep(SD1_SCHEDULE, SD1_SCHEDULE.sigmas[t]!)).toBe(t);
    }
  });

  it('rounds to the nearest timestep in log-sigma and clamps outside the schedule', () => {
    const ls = SD1_SCHEDULE.logSigmas;
    const justBelowMid = Math.exp(ls[500]! + 0.49 * (ls[501]! - ls[500]!));
    const justAboveMid = Math.exp(ls[500]! + 0.51 * (ls[501]! - ls[500]!));
    expect(sigmaToTimestep(SD1_SCHEDULE, justBelowMid)).toBe(500);
    expect(sigmaToTimestep(SD1_SCHEDULE, justAboveMid)).toBe(501);
    expect(sigmaToTimestep(SD1_SCHEDULE, 1e-6)).toBe(0);
    expect(sigmaToTimestep(SD1_SCHEDULE, 1e6)).toBe(999);
  });
});

describe(sigmaToT.name, () => {
  it.each([0, 0.25, 1, 123.5, 500.75, 998.9, 999])('inverts tToSigma at t = %d', (t) => {
    expect(sigmaToT(SD1_SCHEDULE, tToSigma(SD1_SCHEDULE, t))).toBeCloseTo(t, 3);
  });

  it('clamps to [0, T-1] outside the schedule', () => {
    expect(sigmaToT(SD1_SCHEDULE, 1e-6)).toBe(0);
    expect(sigmaToT(SD1_SCHEDULE, 1e6)).toBe(999);
  });
});

describe(tToSigma.name, () => {
  it('interpolates log-sigma linearly between neighbouring timesteps, in float32 as ComfyUI', () => {
    const ls = SD1_SCHEDULE.logSigmas;
    const f = Math.fround;
    expect(tToSigma(SD1_SCHEDULE, 10.25)).toBe(f(Math.exp(f(f(0.75 * ls[10]!) + f(0.25 * ls[11]!)))));
    expect(Math.abs(tToSigma(SD1_SCHEDULE, 42) / SD1_SCHEDULE.sigmas[42]! - 1)).toBeLessThan(1e-6);
    expect(tToSigma(SD1_SCHEDULE, -5)).toBe(tToSigma(SD1_SCHEDULE, 0));
    expect(tToSigma(SD1_SCHEDULE, 5000)).toBe(tToSigma(SD1_SCHEDULE, 999));
  });
});
