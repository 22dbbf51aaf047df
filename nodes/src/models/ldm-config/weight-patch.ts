/**
 * @module
 * A patch on a model's weights as LoRA, LyCORIS and Custom Diffusion files make them: it rewrites the
 * loaded `WeightMap` (replaced tensors, low-rank deltas) and names the graph inputs its deltas read
 * (their strengths). `id` identifies what the patch does to the graph (the file's identity and what it
 * targets), never the strengths, so a compiled graph is reused when only a strength changes.
 */
import { createHash } from 'node:crypto';
import type { Tensor } from '@momaflow/engine';
import type { WeightMap } from './weight-map';

/** One patch on one model component's weights. */
export interface WeightPatch {
  /** Content identity for graph caches; excludes strengths. */
  readonly id: string;
  /** What it is, for messages (`LoRA 'style.safetensors'`). */
  readonly label: string;
  /** The patched weights (reads the patch's tensors now). */
  apply(weights: WeightMap): Promise<WeightMap>;
  /** Values of the graph inputs its deltas declare: strengths, float [1] each, by input name. */
  readonly inputs: Readonly<Record<string, Tensor<'float32'>>>;
}

/**
 * Apply `patches` in order.
 * @example
 * const weights = await applyWeightPatches(await loadClipWeights(), clip.weightPatches ?? []);
 */
export async function applyWeightPatches(
  weights: WeightMap,
  patches: readonly WeightPatch[],
): Promise<WeightMap> {
  let out = weights;
  for (const patch of patches) out = await patch.apply(out);
  return out;
}

/**
 * A content key for `base` with `patches` applied: `base` itself without patches, else a hash.
 * @example
 * const key = patchedKey(clip.key, [...(clip.weightPatches ?? []), lora]);
 */
export function patchedKey(base: string, patches: readonly WeightPatch[]): string {
  if (patches.length === 0) return base;
  return createHash('sha256')
    .update(JSON.stringify([base, ...patches.map((p) => p.id)]))
    .digest('hex');
}

/**
 * Every input value of `patches` (later ones win for a repeated name, which a patch must not reuse).
 * @example
 * const feeds = patchInputs(clip.weightPatches ?? []);
 */
export function patchInputs(patches: readonly WeightPatch[]): Readonly<Record<string, Tensor<'float32'>>> {
  return Object.fromEntries(patches.flatMap((p) => Object.entries(p.inputs)));
}
