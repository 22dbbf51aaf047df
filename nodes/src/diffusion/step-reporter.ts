/**
 * @module
 * Turns a sampling run's steps into `ctx.progress` calls: one per step, with a latent preview every
 * few steps and on the last. `sample` reports steps synchronously while previews are encoded
 * asynchronously, so reports are chained to keep their order; `flush` waits for the last one, and
 * `cancel` drops those still queued, so a failed or interrupted run reports nothing after it ended.
 * A preview that fails to encode is logged and the step is reported without it.
 */
import type { Logger, NodeContext, PreviewImage } from '@momaflow/engine';
import { errorMessage } from '@momaflow/engine';
import type { StepProgress } from '../samplers';
import { latentPreview } from './latent-preview';

/** At most this many previews per run: a long run previews every ceil(steps / 20) steps. */
export const MAX_PREVIEWS_PER_RUN = 20;

/** Options of `createStepReporter`. */
export interface StepReporterOptions {
  readonly progress: NodeContext['progress'];
  readonly log: Logger;
}

/** A run's step callback, and the end of its reports. */
export interface StepReporter {
  onStep(progress: StepProgress): void;
  /** Resolves when every report so far was made. */
  flush(): Promise<void>;
  /** Drops the reports not made yet. */
  cancel(): void;
}

/**
 * @example
 * const reporter = createStepReporter({ progress: ctx.progress, log: ctx.log });
 * try {
 *   await sampleLatent({ ..., onStep: (p) => (reporter.onStep(p), reporter.flush()) });
 * } catch (err) {
 *   reporter.cancel();
 *   throw err;
 * }
 */
export function createStepReporter(o: StepReporterOptions): StepReporter {
  let chain: Promise<void> = Promise.resolve();
  let isCancelled = false;
  return {
    onStep({ stepIndex, steps, denoised }) {
      const done = stepIndex + 1;
      const every = Math.ceil(steps / MAX_PREVIEWS_PER_RUN);
      const wantsPreview = done % every === 0 || done === steps;
      const preview: Promise<PreviewImage | undefined> = wantsPreview
        ? latentPreview(denoised).catch((err: unknown) => {
            o.log.warn('latent preview failed', { error: errorMessage(err) });
            return undefined;
          })
        : Promise.resolve(undefined);
      chain = chain.then(async () => {
        const image = await preview;
        if (isCancelled) return;
        if (image === undefined) o.progress(done, steps);
        else o.progress(done, steps, image);
      });
    },
    flush: () => chain,
    cancel: () => {
      isCancelled = true;
    },
  };
}
