/**
 * @module
 * The UNet run a sampling starts: the batch rows of its guided entries, and the reference passes the
 * model's patches ask for (reference-passes.ts), run first on the same session. Area and mask
 * conditioning crops the latent and batches entries per region (regional-cfg-denoiser.ts), which the
 * per-row inputs of attention patches do not follow yet, so the two together are refused.
 */
import { EngineError, type Logger, type NodeEnv } from '@momaflow/engine';
import type { UnetRun, UnetSession } from '../models/unet';
import { hasRegions } from './conditioning-regions';
import { type GuidedEntry, guidedRows } from './guided-rows';
import { type ReferencePassEvent, referencePasses } from './reference-passes';

/** Options of `startPatchRun`. */
export interface PatchRunOptions {
  readonly env: NodeEnv;
  readonly unet: UnetSession;
  /** The guided entries, in the denoiser's order (`guidedEntries`). */
  readonly entries: readonly GuidedEntry[];
  /** The LATENT's shape [batch, channels, h, w]. */
  readonly latentShape: readonly number[];
  /** Tokens of every entry's context. */
  readonly contextTokens: number;
  readonly log: Logger;
  /** For messages, e.g. "KSampler". */
  readonly label: string;
  readonly onReferencePass?: (event: ReferencePassEvent) => void;
}

/**
 * @throws EngineError `unsupported_conditioning` for area / mask conditioning on a patched model.
 * @example
 * const run = await startPatchRun({ env, unet, entries: guidedEntries(o), latentShape, contextTokens: 77, log, label });
 */
export async function startPatchRun(o: PatchRunOptions): Promise<UnetRun> {
  const patched = o.unet.model.patches.length > 0;
  if (patched && hasRegions([o.entries.map((e) => e.entry)])) {
    throw new EngineError(
      'unsupported_conditioning',
      `${o.label}: area or mask conditioning on a model with attention patches (${o.unet.model.patches.map((p) => p.id).join(', ')}) is not supported yet`,
    );
  }
  const [batch = 0, , height = 0, width = 0] = o.latentShape;
  return o.unet.startRun({
    rows: guidedRows(o.entries, batch),
    height,
    width,
    contextTokens: o.contextTokens,
    references: await referencePasses(o.env, o.unet, o.onReferencePass),
    log: o.log,
  });
}
