/**
 * @module
 * A patch that turns cross-attention maps into a mask of where a subject is being generated (MoMA's
 * iterative subject mask). At each chosen cross-attention layer it outputs, per batch row, the
 * attention of every query position to the subject's prompt tokens (mean over heads, summed over the
 * tokens) as [B, N, 1]; `maskAfter` turns the previous call's outputs into a mask per latent
 * (`generatedSubjectMask`), which injections take as their `generated` mask, and `finalMask` turns the
 * last call's into the MASK a sampler hands on. The subject's token positions come from each row's
 * prompt tokens: negative rows take the positions of their latent's first positive prompt, as MoMA
 * (whose `subject_idxs * 2` repeats the positive prompt's positions for the negative half).
 */
import type { Tensor } from '@momaflow/engine';
import { EngineError, isFloatTensor, Tensor as TensorClass } from '@momaflow/engine';
import {
  type AttentionHookPoint,
  type BatchRow,
  featureExtent,
  type ModelPatch,
  type PatchOutputs,
  type PatchRunInfo,
  type PatchStepInfo,
  pointKey,
} from '../models/unet';
import type { GeneratedMaskSource } from './injection-mask';
import { LAYER_SELECTIONS, type LayerSelection } from './layer-selection';
import { generatedSubjectMask, type LayerSubjectMap } from './subject-mask';

/** Options of `attentionMapPatch`. */
export interface AttentionMapPatchOptions {
  readonly id: string;
  /** The model's hook points (`UnetModel.hookPoints`). */
  readonly points: readonly AttentionHookPoint[];
  /** Which cross-attention layers' maps are averaged. */
  readonly layers: LayerSelection;
  /** Vocabulary ids of the subject: the first token of each of its words (MoMA's `get_subject_idx`). */
  readonly subjectTokenIds: readonly number[];
  /** Values at or below it (after normalising) are dropped; MoMA: 0.2. */
  readonly threshold: number;
}

/** The patch, which is also the source of the generated mask. */
export interface AttentionMapPatch extends ModelPatch, GeneratedMaskSource {
  /** The mask per latent after the run's last call (`UnetRun.lastOutputs`), if any was made. */
  finalMask(run: PatchRunInfo, lastOutputs: PatchOutputs | undefined): Tensor<'float32'> | undefined;
}

/** Positions of `ids` in a prompt's token ids. */
function positionsOf(tokenIds: Int32Array | undefined, ids: ReadonlySet<number>): number[] {
  if (tokenIds === undefined) return [];
  return Array.from(tokenIds.keys()).filter((i) => ids.has(tokenIds[i]!));
}

/** Each row's subject positions; negative rows borrow their latent's first positive row's. */
function rowPositions(rows: readonly BatchRow[], ids: ReadonlySet<number>): number[][] {
  const own = rows.map((row) => (row.role === 'cond' ? positionsOf(row.tokenIds, ids) : []));
  return rows.map((row, r) => {
    if (row.role === 'cond') return own[r]!;
    const donor = rows.findIndex((d) => d.role === 'cond' && d.latent === row.latent);
    return donor < 0 ? [] : own[donor]!;
  });
}

/**
 * @example
 * const map = attentionMapPatch({ id: 'moma-map', points: model.hookPoints, layers: 'all', subjectTokenIds: [2368], threshold: 0.2 });
 * const ip = imagePromptPatch({ ..., mask: { kind: 'generated', source: map } });
 */
export function attentionMapPatch(o: AttentionMapPatchOptions): AttentionMapPatch {
  const chosen = LAYER_SELECTIONS[o.layers];
  const points = o.points.filter((p) => p.kind === 'cross' && chosen(p));
  if (points.length === 0) {
    throw new EngineError('invalid_layers', `this model has no cross-attention layers in '${o.layers}'`);
  }
  const pointIds = new Set(points.map((p) => p.id));
  const ids = new Set(o.subjectTokenIds);
  const made = new WeakMap<object, Tensor<'float32'> | undefined>();

  const maskFrom = (run: PatchRunInfo, outputs: PatchOutputs | undefined) => {
    const own = outputs?.[o.id];
    if (own === undefined) return undefined;
    if (made.has(own)) return made.get(own);
    const hasSubject = rowPositions(run.rows, ids).some((p) => p.length > 0);
    const maps: LayerSubjectMap[] = points.map((p) => {
      const map = own[pointKey(p, 'map')];
      if (!isFloatTensor(map)) throw new EngineError('missing_output', `no subject map at '${p.id}'`);
      return {
        data: map.data,
        height: featureExtent(run.height, p.resolution),
        width: featureExtent(run.width, p.resolution),
      };
    });
    const mask = hasSubject
      ? generatedSubjectMask({
          maps,
          rows: run.rows,
          height: run.height,
          width: run.width,
          threshold: o.threshold,
        })
      : undefined;
    made.set(own, mask);
    return mask;
  };

  return {
    id: o.id,
    patchId: o.id,
    signature: `attention-map/1:${o.layers}`,
    appliesTo: (p) => pointIds.has(p.id),
    apply: (ctx) => {
      const { b } = ctx;
      const { out, probs } = ctx.standard({ withProbs: true });
      if (probs === undefined)
        throw new EngineError('missing_output', 'the standard attention gave no probabilities');
      const weights = ctx.patchInput('tokens', 'float32', ['batch', 'tokens', 1], { per: 'run' });
      // [B, H, N, M] x [B, 1, M, 1]: the subject tokens' sum first, then the mean over heads.
      const summed = b.op('MatMul', [probs, b.op('Unsqueeze', [weights, b.constInt64([1])])]);
      const mean =
        b.opset >= 18
          ? b.op('ReduceMean', [summed, b.constInt64([1])], { keepdims: 0 })
          : b.op('ReduceMean', [summed], { axes: [1], keepdims: 0 });
      return { out, outputs: { map: mean } };
    },
    runInputs: (run) => {
      const positions = rowPositions(run.rows, ids);
      if (run.pass === 'sample' && !positions.some((p) => p.length > 0)) {
        run.log.warn(
          'the subject is not in the positive prompt: the generated subject mask stays off (injections apply everywhere)',
          { patchId: o.id },
        );
      }
      const weights = TensorClass.zeros('float32', [run.rows.length, run.contextTokens, 1]);
      positions.forEach((list, r) => {
        for (const i of list) if (i < run.contextTokens) weights.data[r * run.contextTokens + i] = 1;
      });
      return { tokens: weights };
    },
    maskAfter: (step: PatchStepInfo) => maskFrom(step.run, step.previousOutputs),
    finalMask: (run, lastOutputs) => maskFrom(run, lastOutputs),
  };
}
