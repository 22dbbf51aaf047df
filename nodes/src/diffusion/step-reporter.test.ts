import { createLogger, Tensor } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { createStepReporter, MAX_PREVIEWS_PER_RUN } from './step-reporter';

const denoised = Tensor.zeros('float32', [1, 4, 2, 2]);
const step = (stepIndex: number, steps: number) => ({ stepIndex, steps, level: 1, x: denoised, denoised });

describe(createStepReporter.name, () => {
  it('reports every step in order, previewing at most 20 times and always the last step', async () => {
    const calls: { value: number; preview: boolean }[] = [];
    const reporter = createStepReporter({
      progress: (value, _max, preview) => calls.push({ value, preview: preview !== undefined }),
      log: createLogger(() => {}),
    });
    const steps = 45;
    for (let i = 0; i < steps; i++) reporter.onStep(step(i, steps));
    await reporter.flush();
    expect(calls.map((c) => c.value)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    const previewed = calls.filter((c) => c.preview).map((c) => c.value);
    expect(previewed.length).toBeLessThanOrEqual(MAX_PREVIEWS_PER_RUN + 1);
    expect(previewed.slice(0, 3)).toEqual([3, 6, 9]);
    expect(previewed.at(-1)).toBe(steps);
  });

  it('reports the step without a preview when the preview cannot be made', async () => {
    const lines: string[] = [];
    const calls: unknown[] = [];
    const reporter = createStepReporter({
      progress: (value, max, preview) => calls.push([value, max, preview]),
      log: createLogger((_level, message) => lines.push(message)),
    });
    const bad = Tensor.zeros('float32', [1, 3, 2, 2]);
    reporter.onStep({ stepIndex: 0, steps: 1, level: 1, x: bad, denoised: bad });
    await reporter.flush();
    expect(calls).toEqual([[1, 1, undefined]]);
    expect(lines).toEqual(['latent preview failed']);
  });

  it('drops queued reports once cancelled', async () => {
    const calls: number[] = [];
    const reporter = createStepReporter({
      progress: (value) => calls.push(value),
      log: createLogger(() => {}),
    });
    reporter.onStep(step(0, 2));
    reporter.onStep(step(1, 2));
    reporter.cancel();
    await reporter.flush();
    expect(calls).toEqual([]);
  });
});
