/**
 * @module
 * The reference passes a sampling run starts with (`ModelPatch.referencePass`, e.g. MoMA's UNet pass
 * at t=0 on the reference image), run on the sampler's own session and kept by content: the compiled
 * graph's key, the patch and its request's key. A new prompt, seed or step count reuses them; a new
 * reference image, mask, subject or adapter file does not. Two entries: a full-size SD1.5 reference
 * holds about 90 MB of K/V.
 */
import { type DType, defineResource, dict, type NodeEnv, type Tensor } from '@momaflow/engine';
import type { PatchOutputs, UnetSession } from '../models/unet';
import { LruMemo } from './lru-memo';

/**
 * Reference-pass outputs by `<graph key>:<patch id>:<request key>`.
 * @example
 * const outputs = await env.resource(REFERENCE_PASSES).get(key, () => unet.runReference(patch.id));
 */
export const REFERENCE_PASSES = defineResource(
  'diffusion.reference-passes',
  () => new LruMemo<Readonly<Record<string, Tensor<DType>>>>(2),
);

/** What happened to one patch's reference pass. */
export interface ReferencePassEvent {
  readonly patchId: string;
  /** Whether the outputs came from an earlier run. */
  readonly cached: boolean;
}

/**
 * The reference outputs of every patch of the session's model that asks for a pass, by patch id.
 * @example
 * const references = await referencePasses(env, unet, (e) => log.info(`reference pass of ${e.patchId}`));
 */
export async function referencePasses(
  env: NodeEnv,
  unet: UnetSession,
  onPass?: (event: ReferencePassEvent) => void,
): Promise<PatchOutputs> {
  const memo = env.resource(REFERENCE_PASSES);
  const out = dict<Readonly<Record<string, Tensor<DType>>>>();
  for (const patch of unet.model.patches) {
    if (patch.referencePass === undefined) continue;
    let cached = true;
    out[patch.id] = await memo.get(`${unet.compiled.key}:${patch.id}:${patch.referencePass.key}`, () => {
      cached = false;
      return unet.runReference(patch.id);
    });
    onPass?.({ patchId: patch.id, cached });
  }
  return out;
}
