import { describe, expect, it } from 'vitest';
import { ddimDiffusersTimesteps } from './ddim-diffusers-timesteps';
import { jsonNumbers, readVectorsJson } from './fixtures-dir';

describe(ddimDiffusersTimesteps.name, () => {
  it.each(['sampler.ddim_diffusers.timesteps', 'moma.timesteps'])(
    'reproduces the diffusers DDIM timesteps of vectors.json %s',
    async (key) => {
      const expected = jsonNumbers(await readVectorsJson(), key);
      const levels = ddimDiffusersTimesteps({ steps: expected.length });
      expect(levels.slice(0, -1)).toEqual(expected);
      expect(levels).toHaveLength(expected.length + 1);
    },
  );

  it.each([
    [4, [751, 501, 251, 1, -249]],
    [6, [831, 665, 499, 333, 167, 1, -165]],
    [3, [667, 334, 1, -332]],
    [1, [1, -999]],
  ])('leading spacing with steps_offset 1 for %d steps', (steps, expected) => {
    expect(ddimDiffusersTimesteps({ steps })).toEqual(expected);
  });

  it('honours trainTimesteps and stepsOffset', () => {
    expect(ddimDiffusersTimesteps({ steps: 5, trainTimesteps: 100, stepsOffset: 0 })).toEqual([
      80, 60, 40, 20, 0, -20,
    ]);
  });

  it.each([0, 1.5, 1001])('rejects %d steps with invalid_steps', (steps) => {
    expect(() => ddimDiffusersTimesteps({ steps })).toThrow(
      expect.objectContaining({ code: 'invalid_steps' }),
    );
  });
});
