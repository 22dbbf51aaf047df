/**
 * @module
 * Times UNet calls the way the sampler makes them, through the nodes' own resources (`UNET_GRAPHS`,
 * `DIFFUSION_SESSIONS` of a node environment, so the thread count and session options are the
 * product's): the reference step of `unet.ts` and of `txt2img.ts --reference`. Inputs are fixed
 * random tensors at the CFG batch of 2 with 77 tokens.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type NodeEnv, type OnnxSessionOptions, Tensor } from '@momaflow/engine';
import { DIFFUSION_SESSIONS, UNET_GRAPHS } from '../../nodes/src/diffusion/diffusion-resources';
import { type UnetGraphOptions, type UnetModel, UnetSession } from '../../nodes/src/models/unet/index';
import { fillUniform } from './random-sd15-weights';

/** What one timing gave. */
export interface UnetStepTimes {
  /** Graph build (or cache hit) and session create (or cache hit), seconds. */
  readonly buildSeconds: number;
  readonly sessionSeconds: number;
  readonly firstStep: number;
  /** Each call after the first. */
  readonly times: readonly number[];
  /** Longest and p99 event-loop stall while the calls ran (ms): runs happen in the sessions' worker. */
  readonly loopDelayMs: { readonly max: number; readonly p99: number };
}

function randn(shape: readonly number[], seed: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', shape);
  fillUniform(t.data, seed, Math.sqrt(3));
  return t;
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * @example
 * const t = await timeUnetSteps({ env, model, steps: 3, latentSize: 64 });
 * console.log(median(t.times));
 */
export async function timeUnetSteps(o: {
  readonly env: NodeEnv;
  readonly model: UnetModel;
  readonly steps: number;
  readonly latentSize: number;
  /** Only for experiments: the nodes pass none. */
  readonly graph?: UnetGraphOptions;
  readonly session?: OnnxSessionOptions;
}): Promise<UnetStepTimes> {
  const graphs = o.env.resource(UNET_GRAPHS);
  const sessions = o.env.resource(DIFFUSION_SESSIONS);
  let t0 = performance.now();
  await graphs.compile(o.model, o.graph);
  const buildSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const unet = await UnetSession.open({
    model: o.model,
    graphs,
    sessions,
    ...(o.graph === undefined ? {} : { graph: o.graph }),
    ...(o.session === undefined ? {} : { session: o.session }),
  });
  const sessionSeconds = (performance.now() - t0) / 1000;
  try {
    const input = {
      sample: randn([2, o.model.config.inChannels, o.latentSize, o.latentSize], 7),
      timestep: 500,
      encoderHiddenStates: randn([2, 77, o.model.config.crossAttentionDim], 9),
    };
    t0 = performance.now();
    await unet.run(input);
    const firstStep = (performance.now() - t0) / 1000;
    const times: number[] = [];
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    for (let i = 0; i < o.steps; i++) {
      t0 = performance.now();
      await unet.run(input);
      times.push((performance.now() - t0) / 1000);
    }
    loopDelay.disable();
    return {
      buildSeconds,
      sessionSeconds,
      firstStep,
      times,
      loopDelayMs: { max: loopDelay.max / 1e6, p99: loopDelay.percentile(99) / 1e6 },
    };
  } finally {
    unet.release();
  }
}
