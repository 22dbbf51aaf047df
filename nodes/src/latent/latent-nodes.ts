/**
 * @module
 * The latent node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { LatentFromBatch, RepeatLatentBatch } from './latent-batch-nodes';
import { LatentUpscale, LatentUpscaleBy } from './latent-upscale-nodes';
import { SetLatentNoiseMask } from './set-latent-noise-mask';

/**
 * LatentUpscale, LatentUpscaleBy, LatentFromBatch, RepeatLatentBatch, SetLatentNoiseMask.
 * @example
 * const registry = createNodeRegistry(LATENT_NODES);
 */
export const LATENT_NODES: readonly AnyNodeDefinition[] = [
  LatentUpscale,
  LatentUpscaleBy,
  LatentFromBatch,
  RepeatLatentBatch,
  SetLatentNoiseMask,
];
