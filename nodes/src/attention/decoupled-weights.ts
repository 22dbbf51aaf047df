/**
 * @module
 * Decoupled-attention adapter weights as MoMA's and IP-Adapter's files store them: per attention
 * processor `i` (diffusers' `attn_processors` order, the hook points' `order`) `{i}.to_k_ip.weight`
 * and `{i}.to_v_ip.weight` ([out, in] Linear weights without bias) and, on MoMA's self-attention
 * processors, `{i}.scale_learnable` ([1]). Checked against the model's hook points, and turned into a
 * patch's `weights` (as stored; `projectTokens` multiplies by their transpose) for the points a patch
 * uses.
 */
import type { Tensor } from '@momaflow/engine';
import { EngineError } from '@momaflow/engine';
import type { AttentionHookPoint, AttentionKind } from '../models/unet';

/** One processor's adapter weights as stored. */
export interface DecoupledEntry {
  /** [out, in]. */
  readonly toK: Tensor<'float32'>;
  readonly toV: Tensor<'float32'>;
  /** [1]: MoMA's learnable gain of the reference path. */
  readonly scale: Tensor<'float32'> | undefined;
}

/** Adapter weights by processor index. */
export type DecoupledWeights = ReadonlyMap<number, DecoupledEntry>;

const KEY = /^(\d+)\.(to_k_ip\.weight|to_v_ip\.weight|scale_learnable)$/;

/**
 * Group a section's tensors (`0.to_k_ip.weight`, ...) by processor.
 * @throws EngineError `adapter_invalid` naming `source` when a processor lacks `to_k_ip` or `to_v_ip`.
 * @example
 * const weights = decoupledWeights(await readMomaAdapterSection(adapter, 'self_cross_attentions'), adapter.path);
 */
export function decoupledWeights(
  tensors: ReadonlyMap<string, Tensor<'float32'>>,
  source: string,
): DecoupledWeights {
  const parts = new Map<number, Record<string, Tensor<'float32'>>>();
  for (const [key, t] of tensors) {
    const m = KEY.exec(key);
    if (m === null) continue;
    const index = Number(m[1]);
    parts.set(index, { ...parts.get(index), [m[2]!]: t });
  }
  const out = new Map<number, DecoupledEntry>();
  for (const [index, p] of [...parts].sort((a, b) => a[0] - b[0])) {
    const toK = p['to_k_ip.weight'];
    const toV = p['to_v_ip.weight'];
    if (toK === undefined || toV === undefined) {
      throw new EngineError(
        'adapter_invalid',
        `${source}: processor ${index} needs both 'to_k_ip' and 'to_v_ip'`,
      );
    }
    out.set(index, { toK, toV, scale: p.scale_learnable });
  }
  return out;
}

/**
 * The entries of the points of `kind` by the points' `order`, checked to fit them: every such point
 * has one, with [channels, contextChannels] weights (and a scale when `needsScale`).
 * @throws EngineError `adapter_mismatch` naming `source` and the first point that does not fit.
 * @example
 * const cross = fittedEntries(weights, model.hookPoints, 'cross', { source: path, needsScale: false });
 */
export function fittedEntries(
  weights: DecoupledWeights,
  points: readonly AttentionHookPoint[],
  kind: AttentionKind,
  o: { readonly source: string; readonly needsScale: boolean },
): Map<number, DecoupledEntry> {
  const fail = (why: string): never => {
    throw new EngineError('adapter_mismatch', `${o.source} does not fit this model: ${why}`, {
      source: o.source,
    });
  };
  const out = new Map<number, DecoupledEntry>();
  for (const point of points) {
    if (point.kind !== kind) continue;
    const entry = weights.get(point.order) ?? fail(`no weights for processor ${point.order} (${point.id})`);
    const want = [point.channels, point.contextChannels].join(', ');
    for (const t of [entry.toK, entry.toV]) {
      if (t.shape.join(', ') !== want)
        fail(`processor ${point.order} (${point.id}) has [${t.shape.join(', ')}], the layer takes [${want}]`);
    }
    if (o.needsScale && entry.scale?.size !== 1)
      fail(`processor ${point.order} (${point.id}) has no 'scale_learnable'`);
    out.set(point.order, entry);
  }
  if (out.size === 0) fail(`the model has no ${kind}-attention layers`);
  return out;
}

/**
 * A patch's `weights`: `{order}.to_k_ip`, `{order}.to_v_ip` ([out, in]) and `{order}.scale`.
 * @example
 * const patchWeights = decoupledPatchWeights(cross);
 * ctx.weight(`${point.order}.to_k_ip`);
 */
export function decoupledPatchWeights(
  entries: ReadonlyMap<number, DecoupledEntry>,
): Map<string, Tensor<'float32'>> {
  const out = new Map<string, Tensor<'float32'>>();
  for (const [order, e] of entries) {
    out.set(`${order}.to_k_ip`, e.toK);
    out.set(`${order}.to_v_ip`, e.toV);
    if (e.scale !== undefined) out.set(`${order}.scale`, e.scale);
  }
  return out;
}
