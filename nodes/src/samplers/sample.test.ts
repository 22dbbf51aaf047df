import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { SD1_SCHEDULE } from './discrete-schedule';
import { eulerAncestralSampler } from './euler-ancestral-sampler';
import { eulerSampler } from './euler-sampler';
import { SCHEDULERS } from './noise-schedules';
import type { NoiseRequest } from './sample';
import { sample } from './sample';

const x = Tensor.filled([1, 2, 2, 2], 3);
const halve = async (v: Tensor): Promise<Tensor> =>
  new Tensor(
    'float32',
    v.shape,
    v.data.map((a) => a / 2),
  );

describe(sample.name, () => {
  it('asks the noise source for x-shaped noise with the step and its levels', async () => {
    const sigmas = Array.from(SCHEDULERS.karras(SD1_SCHEDULE, 3));
    const requests: NoiseRequest[] = [];
    await sample({
      sampler: eulerAncestralSampler,
      levels: sigmas,
      x,
      denoise: halve,
      noiseSource: (r) => {
        requests.push(r);
        return Tensor.zeros('float32', r.shape);
      },
    });
    expect(requests).toEqual([
      { shape: x.shape, stepIndex: 0, level: sigmas[0], nextLevel: sigmas[1] },
      { shape: x.shape, stepIndex: 1, level: sigmas[1], nextLevel: sigmas[2] },
    ]);
  });

  it('passes the denoiser the levels as given and the step index', async () => {
    const seen: [number, number][] = [];
    await sample({
      sampler: eulerSampler,
      levels: [4, 2, 1, 0],
      x,
      denoise: async (v, level, i) => {
        seen.push([level, i]);
        return halve(v);
      },
    });
    expect(seen).toEqual([
      [4, 0],
      [2, 1],
      [1, 2],
    ]);
  });

  it('propagates a denoiser failure and stops', async () => {
    let calls = 0;
    const run = sample({
      sampler: eulerSampler,
      levels: [4, 2, 0],
      x,
      denoise: async () => {
        calls++;
        throw new Error('unet exploded');
      },
    });
    await expect(run).rejects.toThrow('unet exploded');
    expect(calls).toBe(1);
  });

  it("rejects with the signal's own reason when one was given", async () => {
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    await expect(
      sample({ sampler: eulerSampler, levels: [4, 0], x, denoise: halve, signal: controller.signal }),
    ).rejects.toBe(reason);
  });

  it('rejects a model output of another shape with shape_mismatch', async () => {
    const run = sample({
      sampler: eulerSampler,
      levels: [4, 0],
      x,
      denoise: async () => Tensor.zeros('float32', [1, 2, 2]),
    });
    await expect(run).rejects.toMatchObject({ code: 'shape_mismatch' });
  });
});
