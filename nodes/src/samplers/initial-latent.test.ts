import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { initialLatent } from './initial-latent';
import { calculateSigmas } from './noise-schedules';

const noise = new Tensor('float32', [1, 1, 1, 3], Float32Array.from([1, -2, 0.5]));
const latent = new Tensor('float32', [1, 1, 1, 3], Float32Array.from([10, 20, 30]));
const sigmaMax = SD1_SCHEDULE.sigmaMax;

describe(initialLatent.name, () => {
  it('scales noise by sqrt(1 + sigma0^2) for a full-strength run (txt2img)', () => {
    const sigmas = calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 6 });
    const x = initialLatent({ noise, sigmas, sigmaMax });
    const k = Math.sqrt(1 + sigmas[0]! ** 2);
    expect(Array.from(x.data)).toEqual([1, -2, 0.5].map((n) => Math.fround(n * k)));
  });

  it('treats sigma0 within 1e-5 relative of sigma_max (normal) or above it as full strength', () => {
    const normal = calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'normal', steps: 6 });
    expect(normal[0]).not.toBe(sigmaMax);
    const k = Math.sqrt(1 + normal[0]! ** 2);
    expect(initialLatent({ noise, sigmas: normal, sigmaMax }).data[0]).toBe(Math.fround(k));
    expect(initialLatent({ noise, sigmas: [20, 0], sigmaMax }).data[0]).toBe(Math.fround(Math.sqrt(401)));
  });

  it('adds noise * sigma0 to the latent for img2img (denoise < 1)', () => {
    const sigmas = calculateSigmas({ schedule: SD1_SCHEDULE, scheduler: 'karras', steps: 10, denoise: 0.6 });
    const s0 = sigmas[0]!;
    expect(s0).toBeLessThan(sigmaMax);
    const x = initialLatent({ noise, latent, sigmas, sigmaMax });
    expect(Array.from(x.data)).toEqual([
      Math.fround(10 + s0),
      Math.fround(20 - 2 * s0),
      Math.fround(30 + 0.5 * s0),
    ]);
  });

  it('returns the latent unchanged (or zeros) when there are no sigmas (denoise 0)', () => {
    expect(initialLatent({ noise, latent, sigmas: [], sigmaMax })).toBe(latent);
    expect(Array.from(initialLatent({ noise, sigmas: [], sigmaMax }).data)).toEqual([0, 0, 0]);
  });
});
