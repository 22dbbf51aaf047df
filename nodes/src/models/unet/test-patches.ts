/**
 * @module
 * Small model patches written against the public patch API only, to test the API itself (the real
 * injections live in nodes/src/attention), plus the tiny-UNet runner the patch tests share.
 * Test-only: not exported from the folder's index.
 */
import type { DType, SessionCache } from '@momaflow/engine';
import { isFloatTensor, Tensor } from '@momaflow/engine';
import type { AttentionHookPoint } from './hook-points';
import type { ModelPatch, PatchStepInfo } from './model-patch';
import { readVectors } from './test-fixtures';
import type { UnetGraphCache } from './unet-graph-cache';
import type { UnetModel } from './unet-model';
import { type UnetRunInput, type UnetRunResult, UnetSession } from './unet-session';

/** Outputs the softmax probabilities (and q, k) of one attention layer; its output is unchanged. */
export function attentionMapsPatch(pointId: string): ModelPatch {
  return {
    id: 'maps',
    signature: `maps/1:${pointId}`,
    appliesTo: (p) => p.id === pointId,
    apply: (ctx) => {
      const { out, probs } = ctx.standard({ withProbs: true });
      if (probs === undefined) throw new Error('no probabilities');
      return { out, outputs: { probs, q: ctx.query(), k: ctx.key() } };
    },
  };
}

/** Scales the attention output of the chosen layers by a per-step gain; records what each step told it. */
export function gainPatch(
  chosen: (p: AttentionHookPoint) => boolean,
  gains: readonly number[],
  seen: PatchStepInfo[] = [],
): ModelPatch {
  return {
    id: 'gain',
    signature: 'gain/1',
    appliesTo: chosen,
    apply: (ctx) => ({ out: ctx.b.op('Mul', [ctx.current(), ctx.patchInput('gain', 'float32', [1])]) }),
    stepInputs: (step) => {
      seen.push(step);
      return { gain: new Tensor('float32', [1], Float32Array.of(gains[step.index] ?? 1)) };
    },
  };
}

/** The fixture's `unet.*` inputs. */
export async function tinyUnetInput(): Promise<UnetRunInput> {
  const v = await readVectors(['unet.sample', 'unet.timestep', 'unet.encoder_hidden_states']);
  const sample = v['unet.sample'];
  const context = v['unet.encoder_hidden_states'];
  const timestep = v['unet.timestep'];
  if (sample?.dtype !== 'float32' || context?.dtype !== 'float32' || timestep === undefined) {
    throw new Error('unet.* fixtures missing');
  }
  return { sample, timestep, encoderHiddenStates: context };
}

/** Run `inputs` in order as one run (every row a positive latent) on one session of `model`. */
export async function runAll(
  env: { readonly graphs: UnetGraphCache; readonly sessions: SessionCache },
  model: UnetModel,
  inputs: readonly UnetRunInput[],
): Promise<UnetRunResult[]> {
  const unet = await UnetSession.open({ model, ...env });
  try {
    const first = inputs[0];
    if (first === undefined) return [];
    const [batch = 0, , height = 0, width = 0] = first.sample.shape;
    const rows = Array.from({ length: batch }, (_, latent) => ({
      role: 'cond' as const,
      entry: 0,
      latent,
      tokenIds: undefined,
    }));
    const contextTokens = first.encoderHiddenStates.shape[1] ?? 0;
    const run = await unet.startRun({ rows, height, width, contextTokens });
    const out: UnetRunResult[] = [];
    for (const input of inputs) out.push(await run.run(input));
    await run.end();
    return out;
  } finally {
    unet.release();
  }
}

/** max |a - b|. */
export function maxDiff(a: Tensor<'float32'>, b: Tensor<'float32'>): number {
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** Narrow a patch output to float32. */
export function f32(t: Tensor<DType> | undefined): Tensor<'float32'> {
  if (!isFloatTensor(t)) throw new Error('expected a float32 output');
  return t;
}
