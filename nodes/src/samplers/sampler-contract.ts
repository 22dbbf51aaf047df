/**
 * @module
 * Test-only: the contract every `Sampler` passes (as hono's `router/common.case.test.ts` does for
 * routers). Each implementation's test file calls `describeSamplerContract` with a short schedule.
 */
import { Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { generatorNoiseSource, TorchCpuGenerator } from './noise';
import type { Denoiser, NoiseSource, StepProgress } from './sample';
import { sample } from './sample';
import type { Sampler, SamplerState } from './sampler';
import { initialSamplerState } from './sampler';

/** Options of `describeSamplerContract`. */
export interface SamplerContractOptions {
  readonly sampler: Sampler;
  /** A short run: steps + 1 levels (sigmas ending in 0, or diffusers timesteps). */
  readonly levels: readonly number[];
  /** For timestep-domain samplers: abar at a level (negative levels: the final alpha). */
  readonly alphaAt?: (level: number) => number;
  /**
   * The level an exact model's run ends on when it is not the last level, with the reason (UniPC
   * stops at sigma 0.001 instead of 0).
   */
  readonly landsAt?: { readonly level: number; readonly reason: string };
}

const SHAPE = [1, 4, 3, 5];

const randn = (seed: number): Tensor => new TorchCpuGenerator(seed).randn(SHAPE);
const lerp = (a: Tensor, ca: number, b: Tensor, cb: number): Tensor =>
  new Tensor(
    'float32',
    a.shape,
    a.data.map((v, i) => ca * v + cb * b.data[i]!),
  );

/** target noised to `level`, and a model that predicts the target exactly, in the sampler's own terms. */
function oracle(options: SamplerContractOptions, target: Tensor) {
  const { sampler, alphaAt } = options;
  if (sampler.domain === 'sigma') {
    return {
      noised: (eps: Tensor, sigma: number): Tensor => lerp(target, 1, eps, sigma),
      model: (x: Tensor, sigma: number): Tensor =>
        sampler.prediction === 'denoised' ? target : lerp(x, 1 / sigma, target, -1 / sigma),
    };
  }
  if (alphaAt === undefined) throw new Error(`contract for ${sampler.name} needs alphaAt`);
  return {
    noised: (eps: Tensor, t: number): Tensor =>
      lerp(target, Math.sqrt(alphaAt(t)), eps, Math.sqrt(1 - alphaAt(t))),
    model: (x: Tensor, t: number): Tensor =>
      sampler.prediction === 'epsilon'
        ? lerp(x, 1 / Math.sqrt(1 - alphaAt(t)), target, -Math.sqrt(alphaAt(t) / (1 - alphaAt(t))))
        : target,
  };
}

function expectClose(actual: Tensor, expected: Tensor, tol: number, label: string): void {
  expect(actual.shape, label).toEqual(expected.shape);
  const worst = actual.data.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.data[i]!)), 0);
  expect(worst, label).toBeLessThanOrEqual(tol);
}

const noiseSourceFor = (sampler: Sampler): NoiseSource | undefined =>
  sampler.stochastic ? generatorNoiseSource(new TorchCpuGenerator(99)) : undefined;

/** Registers the contract suite for one sampler. */
export function describeSamplerContract(options: SamplerContractOptions): void {
  const { sampler, levels } = options;
  const steps = levels.length - 1;
  const finalLevel = options.landsAt?.level ?? levels[steps]!;
  const target = randn(1);
  const { noised, model } = oracle(options, target);
  const eps0 = randn(2);
  const start = noised(eps0, levels[0]!);
  const exactDenoise: Denoiser = async (x, level) => model(x, level);

  describe(`Sampler contract: ${sampler.name}`, () => {
    it('lands on the target noised to the last level when the model is exact', async () => {
      const seen: StepProgress[] = [];
      const out = await sample({
        sampler,
        levels,
        x: start,
        denoise: exactDenoise,
        noiseSource: noiseSourceFor(sampler),
        onStep: (p) => seen.push(p),
      });
      // A deterministic solver keeps the oracle's noise all the way; ancestral ones replace it, which
      // only leaves no trace because their runs end at sigma = 0.
      expectClose(
        out,
        noised(eps0, finalLevel),
        1e-5,
        `final sample${options.landsAt ? ` (${options.landsAt.reason})` : ''}`,
      );
      for (const p of seen) expectClose(p.denoised, target, 1e-5, `x0 estimate of step ${p.stepIndex}`);
    });

    it('keeps x finite with an arbitrary model', async () => {
      let calls = 0;
      const out = await sample({
        sampler,
        levels,
        x: start,
        denoise: async (x) => lerp(x, 0.5, randn(100 + calls++), 3),
        noiseSource: noiseSourceFor(sampler),
      });
      expect(out.data.every(Number.isFinite)).toBe(true);
    });

    it('reports progress once per step, in order, and evaluates only within the running step', async () => {
      const seen: StepProgress[] = [];
      const calls: number[] = [];
      const out = await sample({
        sampler,
        levels,
        x: start,
        denoise: async (x, level, i) => {
          calls.push(i);
          const [hi, lo] = [levels[i]!, levels[i + 1]!].sort((a, b) => b - a);
          expect(level).toBeLessThanOrEqual(hi! * (1 + 1e-6));
          expect(level).toBeGreaterThanOrEqual(lo! * (1 - 1e-6));
          return model(x, level);
        },
        noiseSource: noiseSourceFor(sampler),
        onStep: (p) => seen.push(p),
      });
      expect(calls).toEqual([...calls].sort((a, b) => a - b));
      expect(seen.map((p) => [p.stepIndex, p.steps, p.level])).toEqual(
        levels.slice(0, -1).map((l, i) => [i, steps, l]),
      );
      expect(seen.at(-1)?.x).toBe(out);
    });

    it.each([0, 1, steps - 1])(
      'rejects with an AbortError and calls no more models when aborted after step %d',
      async (k) => {
        const controller = new AbortController();
        let calls = 0;
        let callsAtAbort = -1;
        const run = sample({
          sampler,
          levels,
          x: start,
          denoise: async (x, level) => {
            calls++;
            return model(x, level);
          },
          noiseSource: noiseSourceFor(sampler),
          signal: controller.signal,
          onStep: (p) => {
            if (p.stepIndex === k) {
              controller.abort();
              callsAtAbort = calls;
            }
          },
        });
        await expect(run).rejects.toMatchObject({ name: 'AbortError' });
        expect(callsAtAbort).toBeGreaterThanOrEqual(0);
        expect(calls).toBe(callsAtAbort);
      },
    );

    it('does not call the model at all when aborted before the first step', async () => {
      const controller = new AbortController();
      controller.abort();
      let calls = 0;
      const run = sample({
        sampler,
        levels,
        x: start,
        denoise: async (x, level) => {
          calls++;
          return model(x, level);
        },
        noiseSource: noiseSourceFor(sampler),
        signal: controller.signal,
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls).toBe(0);
    });

    it('drops a model result that arrives after the abort', async () => {
      const controller = new AbortController();
      const stepped: number[] = [];
      const run = sample({
        sampler,
        levels,
        x: start,
        denoise: async (x, level, i) => {
          if (i === 1) controller.abort();
          return model(x, level);
        },
        noiseSource: noiseSourceFor(sampler),
        signal: controller.signal,
        onStep: (p) => stepped.push(p.stepIndex),
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(stepped).toEqual([0]);
    });

    it('has a pure step: same input, same output, inputs untouched', () => {
      const state: SamplerState = initialSamplerState({ levels, x: start });
      const at = sampler.query(state);
      const input = {
        model: at === null ? null : model(at.x, at.level),
        noise: sampler.noise(state) === null ? null : randn(3),
      };
      const xBefore = state.x.data.slice();
      const modelBefore = input.model?.data.slice();
      const a = sampler.step(state, input);
      const b = sampler.step(state, input);
      expect(a.x.data).toEqual(b.x.data);
      expect(a.stage?.query.x.data).toEqual(b.stage?.query.x.data);
      expect(a.index === 1 || a.stage !== null).toBe(true);
      expect(state.index).toBe(0);
      expect(state.stage).toBeNull();
      expect(state.x.data).toEqual(xBefore);
      expect(input.model?.data).toEqual(modelBefore);
    });

    it('runs concurrent samples with one sampler value as if they ran alone', async () => {
      const other = noised(randn(4), levels[0]!);
      const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
      const slowDenoise: Denoiser = async (x, level) => {
        await tick();
        return lerp(model(x, level), 0.9, x, 0.05);
      };
      const run = (x: Tensor) =>
        sample({ sampler, levels, x, denoise: slowDenoise, noiseSource: noiseSourceFor(sampler) });
      const alone = [await run(start), await run(other)];
      const together = await Promise.all([run(start), run(other)]);
      expect(together[0]?.data).toEqual(alone[0]?.data);
      expect(together[1]?.data).toEqual(alone[1]?.data);
    });

    it('returns the input unchanged without calling the model when there are no steps', async () => {
      let calls = 0;
      const out = await sample({
        sampler,
        levels: levels.slice(0, 1),
        x: start,
        denoise: async (x) => {
          calls++;
          return x;
        },
      });
      expect(out).toBe(start);
      expect(calls).toBe(0);
    });

    it(`${sampler.stochastic ? 'requires' : 'never asks for'} a noise source`, async () => {
      const run = sample({ sampler, levels, x: start, denoise: exactDenoise });
      if (sampler.stochastic) {
        await expect(run).rejects.toMatchObject({ code: 'noise_source_missing' });
      } else {
        await expect(run).resolves.toBeInstanceOf(Tensor);
        let asked = 0;
        await sample({
          sampler,
          levels,
          x: start,
          denoise: exactDenoise,
          noiseSource: (request) => {
            asked++;
            return randn(request.stepIndex);
          },
        });
        expect(asked).toBe(0);
      }
    });
  });
}
