/**
 * @module
 * Model patches written against the public patch API only, as attention-injection node packs will
 * write them (MoMA's processors, bytedance/MoMA model_lib/attention_processor.py), plus the tiny-UNet
 * runner the patch tests share. Test-only: not exported from the folder's index.
 */
import type { DType, SessionCache, Value } from '@momaflow/engine';
import { isFloatTensor, Tensor } from '@momaflow/engine';
import type { AttentionHookPoint } from './hook-points';
import type { ModelPatch, PatchStepInfo } from './model-patch';
import { readVectors } from './test-fixtures';
import type { UnetGraphCache } from './unet-graph-cache';
import type { UnetModel } from './unet-model';
import { type PatchOutputs, type UnetRunInput, type UnetRunResult, UnetSession } from './unet-session';

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
    apply: (ctx) => ({ out: ctx.b.op('Mul', [ctx.current(), ctx.sharedInput('gain', 'float32', [1])]) }),
    stepInputs: (step) => {
      seen.push(step);
      return { gain: new Tensor('float32', [1], Float32Array.of(gains[step.index] ?? 1)) };
    },
  };
}

/**
 * MoMA's / IP-Adapter's decoupled cross-attention (`IPAttnProcessor`): text attention over all but
 * the last `extra` tokens, plus attention over those with new `to_k_ip` / `to_v_ip` weights (`fill`).
 */
export function decoupledCrossPatch(extra: number, fill: number): ModelPatch {
  return {
    id: 'ip',
    signature: `ip/1:${extra}:${fill}`,
    appliesTo: (p) => p.kind === 'cross',
    apply: (ctx) => {
      const { b, point } = ctx;
      const split = b.constInt64([-extra]);
      const text = b.op('Slice', [ctx.context, b.constInt64([0]), split, b.constInt64([1])]);
      const ip = b.op('Slice', [ctx.context, split, b.constInt64([2 ** 62]), b.constInt64([1])]);
      const q = ctx.query();
      const base = ctx.attend(q, ctx.project('to_k', text), ctx.project('to_v', text)).out;
      const w = (name: string): Value<'float32'> =>
        ctx.weight(name, Tensor.filled([point.contextChannels, point.channels], fill));
      const ipOut = ctx.attend(q, b.op('MatMul', [ip, w('to_k_ip')]), b.op('MatMul', [ip, w('to_v_ip')])).out;
      return { out: b.op('Add', [base, ipOut]) };
    },
  };
}

/** Outputs every self-attention layer's K and V (MoMA's reference pass, `extract` mode). */
export const CAPTURE_KV_PATCH: ModelPatch = {
  id: 'kv-capture',
  signature: 'kv-capture/1',
  appliesTo: (p) => p.kind === 'self',
  apply: (ctx) => ({ outputs: { k: ctx.key(), v: ctx.value() } }),
};

/** Captured `<point>/k`, `<point>/v` outputs renamed to `<point>/ref_k`, `<point>/ref_v` feeds. */
function referenceFeeds(captured: PatchOutputs): Record<string, Tensor<DType>> {
  return Object.fromEntries(
    Object.entries(captured['kv-capture'] ?? {}).map(([key, t]) => [key.replace(/\/(k|v)$/, '/ref_$1'), t]),
  );
}

/** Appends fed reference K/V to every self-attention layer's own keys and values. */
export function appendKvPatch(captured: PatchOutputs): ModelPatch {
  return {
    id: 'kv-append',
    signature: 'kv-append/1',
    appliesTo: (p) => p.kind === 'self',
    apply: (ctx) => {
      const dims = ['batch', `tokens/${ctx.point.resolution}`, ctx.point.channels];
      const k = ctx.b.op('Concat', [ctx.key(), ctx.input('ref_k', 'float32', dims)], { axis: 1 });
      const v = ctx.b.op('Concat', [ctx.value(), ctx.input('ref_v', 'float32', dims)], { axis: 1 });
      return { out: ctx.attend(ctx.query(), k, v).out };
    },
    stepInputs: () => referenceFeeds(captured),
  };
}

/**
 * MoMA's masked self-attention injection (`IPAttnProcessor_Self`, `masked_generation`): the layer's
 * queries attend over reference K/V with keys outside the reference mask dropped (a -1e4 score bias,
 * the mask resized to the layer by nearest neighbour), added with a per-step gain that is 0 from
 * timestep `offAt` up (MoMA switches injection off early in sampling).
 */
export function maskedReferencePatch(o: {
  readonly at: (p: AttentionHookPoint) => boolean;
  readonly captured: PatchOutputs;
  readonly mask: Tensor<'float32'>;
  readonly strength: number;
  readonly offAt: number;
}): ModelPatch {
  return {
    id: 'ref-inject',
    signature: 'ref-inject/1',
    appliesTo: (p) => p.kind === 'self' && o.at(p),
    apply: (ctx) => {
      const { b, point } = ctx;
      const dims = ['batch', `tokens/${point.resolution}`, point.channels];
      const mask = ctx.sharedInput('mask', 'float32', [1, 1, 'mask_height', 'mask_width']);
      const lead = b.op('Slice', [
        b.op('Shape', [mask], {}, { dtype: 'int64' }),
        b.constInt64([0]),
        b.constInt64([2]),
      ]);
      const sizes = b.op('Concat', [lead, ctx.featureSize()], { axis: 0 });
      const resized = b.op('Resize', [mask, null, null, sizes], {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      });
      const keep = b.op('Reshape', [resized, b.constInt64([1, 1, 1, -1])]);
      const bias = b.op('Mul', [
        b.op('Sub', [keep, b.constFloat('float32', 1)]),
        b.constFloat('float32', 1e4),
      ]);
      const ref = ctx.attend(
        ctx.query(),
        ctx.input('ref_k', 'float32', dims),
        ctx.input('ref_v', 'float32', dims),
        {
          bias,
        },
      ).out;
      const gain = ctx.sharedInput('gain', 'float32', [1]);
      return { out: b.op('Add', [ctx.current(), b.op('Mul', [ref, gain])]) };
    },
    stepInputs: (step) => ({
      ...referenceFeeds(o.captured),
      mask: o.mask,
      gain: new Tensor('float32', [1], Float32Array.of(step.timestep >= o.offAt ? 0 : o.strength)),
    }),
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

/** Run `inputs` in order on one session of `model`. */
export async function runAll(
  env: { readonly graphs: UnetGraphCache; readonly sessions: SessionCache },
  model: UnetModel,
  inputs: readonly UnetRunInput[],
): Promise<UnetRunResult[]> {
  const unet = await UnetSession.open({ model, ...env });
  try {
    const out: UnetRunResult[] = [];
    for (const input of inputs) out.push(await unet.run(input));
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
