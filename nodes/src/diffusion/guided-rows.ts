/**
 * @module
 * The batch layout of a guided UNet call, in one place: which conditioning entries run (the negative
 * side is skipped at cfg 1, as ComfyUI does), in what order (negative entries first, as diffusers and
 * ComfyUI batch them), and what each batch row is, so that patches pick the right rows for masks and
 * attention maps at any cfg and with several conditioning entries.
 */
import type { BatchRow } from '../models/unet';
import type { Conditioning, ConditioningEntry } from './diffusion-types';

/** One conditioning entry of a guided call. */
export interface GuidedEntry {
  readonly role: BatchRow['role'];
  /** Index within its side's CONDITIONING. */
  readonly index: number;
  readonly entry: ConditioningEntry;
}

/**
 * The entries a guided call runs, negative ones first; none of them at cfg 1.
 * @example
 * guidedEntries({ positive, negative, cfg: 7.5 }).map((e) => e.role); // ['uncond', 'cond']
 */
export function guidedEntries(o: {
  readonly positive: Conditioning;
  readonly negative: Conditioning;
  readonly cfg: number;
}): GuidedEntry[] {
  const side = (cond: Conditioning, role: BatchRow['role']) =>
    cond.map((entry, index) => ({ role, index, entry }));
  return [...(o.cfg === 1 ? [] : side(o.negative, 'uncond')), ...side(o.positive, 'cond')];
}

/**
 * The batch rows of a guided call: each entry's rows in latent order, entries in `entries` order.
 * @example
 * guidedRows(guidedEntries({ positive, negative, cfg: 7.5 }), 2).length; // 4
 */
export function guidedRows(entries: readonly GuidedEntry[], batch: number): BatchRow[] {
  return entries.flatMap(({ role, index, entry }) =>
    Array.from({ length: batch }, (_, latent) => ({ role, entry: index, latent, tokenIds: entry.tokenIds })),
  );
}
