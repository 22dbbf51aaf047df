/**
 * @module
 * Reference self-attention injection (MoMA's `IPAttnProcessor_Self`, in the family of reference-only
 * and InstantFamily-style methods): a reference pass runs the UNet once on the reference latent and
 * captures every chosen self-attention layer's keys and values (through the adapter's `to_k_ip` /
 * `to_v_ip` when given: MoMA's K_ref = to_k_ip(to_k(x))); during sampling each of those layers adds
 * `gain * scale * mask * softmax(Q K_ref^T / sqrt(d)) V_ref`, with the reference positions outside
 * the reference mask removed (reference-keys.ts), `scale` the adapter's `scale_learnable` (else 1),
 * `mask` the injection mask and `gain` the strength inside the timestep range, else 0. The captured
 * K/V go to the session once per run.
 */
import type { DType, Tensor } from '@momaflow/engine';
import { dict, EngineError, isFloatTensor, Tensor as TensorClass } from '@momaflow/engine';
import {
  type AttentionHookPoint,
  featureExtent,
  type ModelPatch,
  type PatchRunInfo,
  pointKey,
  type ReferencePassRequest,
} from '../models/unet';
import { type DecoupledEntry, decoupledPatchWeights } from './decoupled-weights';
import { type InjectionMask, injectionMaskFeed } from './injection-mask';
import { layerMask } from './layer-mask';
import { projectTokens } from './project-tokens';
import { compactReference, keptPositions } from './reference-keys';
import { isInRange, type TimestepRange } from './timestep-range';

/** Options of `referenceAttentionPatch`. */
export interface ReferenceAttentionPatchOptions {
  readonly id: string;
  /** The self-attention points it applies at. */
  readonly points: readonly AttentionHookPoint[];
  /** Projections (and scales) of the captured K/V by point `order` (MoMA); raw K/V without. */
  readonly adapter?: ReadonlyMap<number, DecoupledEntry>;
  readonly reference: ReferencePassRequest;
  /** Reference positions kept (a MASK over the reference image, any size); all when absent. */
  readonly referenceMask?: Tensor<'float32'>;
  readonly strength: number;
  readonly mask: InjectionMask;
  readonly range: TimestepRange;
}

/** The run's K/V feeds: compacted captures in sampling runs, a zero key/value in reference passes. */
function referenceFeeds(o: ReferenceAttentionPatchOptions, run: PatchRunInfo): Record<string, Tensor<DType>> {
  const [, , height = 0, width = 0] = o.reference.sample.shape;
  const feeds = dict<Tensor<DType>>();
  for (const point of o.points) {
    for (const name of ['k', 'v'] as const) {
      const key = pointKey(point, `ref_${name}`);
      if (run.pass === 'reference') {
        feeds[key] = TensorClass.zeros('float32', [1, 1, point.channels]);
        continue;
      }
      const captured = run.reference?.[pointKey(point, name)];
      if (!isFloatTensor(captured, 3)) {
        throw new EngineError(
          'missing_output',
          `patch '${o.id}': no reference ${name} captured at '${point.id}'`,
        );
      }
      const kept = keptPositions(
        o.referenceMask,
        featureExtent(height, point.resolution),
        featureExtent(width, point.resolution),
      );
      feeds[key] = compactReference(captured, kept);
    }
  }
  return feeds;
}

/**
 * @example
 * const ref = referenceAttentionPatch({ id: 'moma-ref', points: selfPoints, adapter, reference,
 *   referenceMask, strength: 1, mask: { kind: 'generated', source: map }, range: { first: 949, last: 0 } });
 */
export function referenceAttentionPatch(o: ReferenceAttentionPatchOptions): ModelPatch {
  const ids = new Set(o.points.map((p) => p.id));
  for (const p of o.points) {
    if (p.kind !== 'self') throw new EngineError('invalid_input', `'${p.id}' is not a self-attention layer`);
    if (o.adapter !== undefined && !o.adapter.has(p.order)) {
      throw new EngineError('adapter_mismatch', `patch '${o.id}': the adapter has no weights for '${p.id}'`);
    }
  }
  return {
    id: o.id,
    signature: `reference-attention/1:${o.adapter === undefined ? 'raw' : 'adapter'}:${o.points.map((p) => p.order).join(',')}`,
    ...(o.adapter === undefined ? {} : { weights: decoupledPatchWeights(o.adapter) }),
    referencePass: o.reference,
    appliesTo: (p) => ids.has(p.id),
    apply: (ctx) => {
      const { b, point } = ctx;
      const scaledBy = (name: string) => (x: typeof ctx.hidden) =>
        o.adapter === undefined
          ? x
          : projectTokens(b, x, ctx.weight(`${point.order}.${name}`), point.channels);
      const captured = { k: scaledBy('to_k_ip')(ctx.key()), v: scaledBy('to_v_ip')(ctx.value()) };
      const tokens = `ref_tokens_${point.order}`;
      const perBatch = b.op(
        'Concat',
        [
          b.op('Slice', [
            b.op('Shape', [ctx.hidden], {}, { dtype: 'int64' }),
            b.constInt64([0]),
            b.constInt64([1]),
          ]),
          b.constInt64([1, 1]),
        ],
        { axis: 0 },
      );
      const fed = (name: string) =>
        b.op('Expand', [
          ctx.pointInput(name, 'float32', [1, tokens, point.channels], { per: 'run' }),
          perBatch,
        ]);
      let injected = ctx.attend(ctx.query(), fed('ref_k'), fed('ref_v')).out;
      injected = b.op('Mul', [injected, layerMask(ctx, o.id)]);
      injected = b.op('Mul', [injected, ctx.patchInput('gain', 'float32', [1])]);
      if (o.adapter?.get(point.order)?.scale !== undefined) {
        injected = b.op('Mul', [injected, ctx.weight(`${point.order}.scale`)]);
      }
      return { out: b.op('Add', [ctx.current(), injected]), referenceOutputs: captured };
    },
    runInputs: (run) => referenceFeeds(o, run),
    stepInputs: (step) => {
      const on = step.run.pass === 'sample' && isInRange(o.range, step.timestep);
      return {
        gain: new TensorClass('float32', [1], Float32Array.of(on ? o.strength : 0)),
        mask: injectionMaskFeed(o.mask, step),
      };
    },
  };
}
