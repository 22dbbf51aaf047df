import type { WeightReader } from '@momaflow/engine';
import { openSafetensors } from '@momaflow/engine';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SD1_SCHEDULE, sigmaToTimestep } from './discrete-schedule';
import { fixturePath, jsonNumbers, openVectors, readVectorsJson } from './fixtures-dir';
import type { SchedulerName } from './noise-schedules';
import {
  calculateSigmas,
  ddimUniformSigmas,
  normalSigmas,
  SCHEDULER_NAMES,
  SCHEDULERS,
  simpleSigmas,
} from './noise-schedules';
import { karrasSigmas } from './range-schedules';

const isSchedulerName = (name: string): name is SchedulerName =>
  (SCHEDULER_NAMES as readonly string[]).includes(name);

describe('SCHEDULERS', () => {
  let vectors: WeightReader;
  beforeAll(async () => {
    vectors = await openVectors();
  });
  afterAll(() => vectors.close());

  it('reproduces every sched.<scheduler>_<steps> reference within 1e-4 relative', async () => {
    const keys = vectors.keys().filter((k) => /^sched\.[a-z_]+_\d+$/.test(k) && k !== 'sched.sigmas_1000');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const [, name = '', stepsText = ''] = /^sched\.([a-z_]+)_(\d+)$/.exec(key) ?? [];
      if (!isSchedulerName(name)) throw new Error(`${key}: unknown scheduler '${name}'`);
      const ref = await vectors.readFloat32(key);
      const ours = SCHEDULERS[name](SD1_SCHEDULE, Number(stepsText));
      expect(ours.length, key).toBe(ref.size);
      const scale = Math.max(...ref.data);
      ref.data.forEach((r, i) => {
        expect(Math.abs(ours[i]! - r), `${key}[${i}]`).toBeLessThanOrEqual(
          1e-4 * Math.max(Math.abs(r), 1e-3 * scale),
        );
      });
    }
  });

  it('maps the fixture schedules to the UNet timesteps listed in vectors.json', async () => {
    const json = await readVectorsJson();
    const keys = Object.keys(json).filter((k) => /^sampler\.[a-z0-9_]+\.[a-z_]+\.unet_timesteps$/.test(k));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const name = key.split('.')[2] ?? '';
      if (!isSchedulerName(name)) throw new Error(`${key}: unknown scheduler '${name}'`);
      const expected = jsonNumbers(json, key);
      const sigmas = SCHEDULERS[name](SD1_SCHEDULE, expected.length);
      const ours = Array.from(sigmas.subarray(0, expected.length), (s) => sigmaToTimestep(SD1_SCHEDULE, s));
      expect(ours, key).toEqual(expected);
    }
  });

  it('gives strictly decreasing sigmas from at most sigma_max down to a trailing 0', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCHEDULER_NAMES), fc.integer({ min: 1, max: 300 }), (name, steps) => {
        const s = SCHEDULERS[name](SD1_SCHEDULE, steps);
        expect(s.at(-1)).toBe(0);
        expect(s[0]!).toBeLessThanOrEqual(SD1_SCHEDULE.sigmaMax * (1 + 1e-6));
        for (let i = 1; i < s.length; i++) expect(s[i]!).toBeLessThan(s[i - 1]!);
        // ddim_uniform can give more, beta fewer (quantiles that round to the same timestep) sigmas.
        if (name === 'beta') expect(s.length).toBeLessThanOrEqual(steps + 1);
        else if (name !== 'ddim_uniform') expect(s.length).toBe(steps + 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('SCHEDULERS on samplers-extra', () => {
  let extra: WeightReader;
  beforeAll(async () => {
    extra = await openSafetensors(fixturePath('samplers-extra.safetensors'));
  });
  afterAll(() => extra.close());

  it('reproduces every sched.<scheduler>_<steps> of samplers-extra within 1e-5 relative', async () => {
    const keys = extra.keys().filter((k) => /^sched\.[a-z_]+_\d+$/.test(k));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const [, name = '', stepsText = ''] = /^sched\.([a-z_]+)_(\d+)$/.exec(key) ?? [];
      if (!isSchedulerName(name)) throw new Error(`${key}: unknown scheduler '${name}'`);
      const ref = await extra.readFloat32(key);
      const ours = SCHEDULERS[name](SD1_SCHEDULE, Number(stepsText));
      expect(ours.length, key).toBe(ref.size);
      const worst = ref.data.reduce(
        (m, r, i) => Math.max(m, Math.abs(ours[i]! - r) / Math.max(Math.abs(r), 1e-12)),
        0,
      );
      console.log(`${key}: max relative difference ${worst.toExponential(2)}`);
      expect(worst, key).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe(normalSigmas.name, () => {
  it('starts at sigma_max and reaches sigma_min before the trailing 0', () => {
    const s = normalSigmas(SD1_SCHEDULE, 10);
    expect(Math.abs(s[0]! / SD1_SCHEDULE.sigmaMax - 1)).toBeLessThan(1e-6);
    expect(Math.abs(s[9]! / SD1_SCHEDULE.sigmaMin - 1)).toBeLessThan(1e-6);
  });

  it('spaces timesteps evenly: 5 steps land on t = 999, 749.25, 499.5, 249.75, 0', () => {
    const ts = [999, 749.25, 499.5, 249.75, 0];
    const ls = SD1_SCHEDULE.logSigmas;
    const sigmaAt = (t: number): number => {
      const lo = Math.floor(t);
      const w = t - lo;
      return Math.exp((1 - w) * ls[lo]! + w * ls[Math.ceil(t)]!);
    };
    const s = normalSigmas(SD1_SCHEDULE, 5);
    ts.forEach((t, i) => {
      expect(Math.abs(s[i]! / sigmaAt(t) - 1)).toBeLessThan(1e-6);
    });
  });
});

describe(karrasSigmas.name, () => {
  it('follows (max^(1/rho) + i/(n-1) (min^(1/rho) - max^(1/rho)))^rho', () => {
    const s = karrasSigmas({ steps: 3, sigmaMin: 1, sigmaMax: 128, rho: 7 });
    const mid = ((128 ** (1 / 7) + 1) / 2) ** 7;
    expect(Array.from(s)).toEqual([128, Math.fround(mid), 1, 0]);
  });

  it('gives just [sigma_max, 0] for one step', () => {
    expect(Array.from(karrasSigmas({ steps: 1, sigmaMin: 0.1, sigmaMax: 10 }))).toEqual([10, 0]);
  });
});

describe(simpleSigmas.name, () => {
  it('takes every (T / steps)-th training sigma from the top', () => {
    const all = SD1_SCHEDULE.sigmas;
    expect(Array.from(simpleSigmas(SD1_SCHEDULE, 4))).toEqual([all[999], all[749], all[499], all[249], 0]);
    // T / steps = 333.33: indices 999, 999 - 333, 999 - 666.
    expect(Array.from(simpleSigmas(SD1_SCHEDULE, 3))).toEqual([all[999], all[666], all[333], 0]);
  });
});

describe(ddimUniformSigmas.name, () => {
  const at = (ts: number[]): number[] => [...ts.map((t) => SD1_SCHEDULE.sigmas[t]!), 0];

  it.each([
    [4, [751, 501, 251, 1]],
    [20, Array.from({ length: 20 }, (_, i) => 951 - 50 * i)],
    // ComfyUI quirk kept for parity: stride floor(1000 / 6) = 166 yields 7 timesteps for 6 steps.
    [6, [997, 831, 665, 499, 333, 167, 1]],
  ])('for %d steps uses the training sigmas at t = 1 + k * floor(T / steps)', (steps, ts) => {
    expect(Array.from(ddimUniformSigmas(SD1_SCHEDULE, steps))).toEqual(at(ts));
  });
});

describe(calculateSigmas.name, () => {
  it('runs the whole schedule at denoise 1 (and anything above 0.9999)', () => {
    const full = SCHEDULERS.karras(SD1_SCHEDULE, 12);
    expect(calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 12 })).toEqual(full);
    expect(
      calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 12, denoise: 0.99995 }),
    ).toEqual(full);
  });

  it.each([
    ['normal', 10, 0.5, 20],
    ['karras', 7, 0.3, 23],
    ['simple', 4, 0.75, 5],
    ['ddim_uniform', 6, 0.5, 12],
  ] as const)(
    '%s: %d steps at denoise %d keep the last steps + 1 sigmas of a %d-step schedule',
    (scheduler, steps, denoise, total) => {
      const s = calculateSigmas({ schedule: SD1_SCHEDULE, scheduler, steps, denoise });
      expect(s).toEqual(SCHEDULERS[scheduler](SD1_SCHEDULE, total).slice(-(steps + 1)));
      expect(s.length).toBe(steps + 1);
      expect(s[0]!).toBeLessThan(SD1_SCHEDULE.sigmaMax);
    },
  );

  it('gives no sigmas at denoise 0', () => {
    expect(
      calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'normal', steps: 5, denoise: 0 }),
    ).toHaveLength(0);
  });

  it.each([
    [{ steps: 0 }, 'invalid_steps'],
    [{ steps: 2.5 }, 'invalid_steps'],
    [{ steps: 5, denoise: 1.5 }, 'invalid_denoise'],
    [{ steps: 5, denoise: Number.NaN }, 'invalid_denoise'],
  ])('rejects %o with %s', (options, code) => {
    expect(() => calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'normal', ...options })).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
