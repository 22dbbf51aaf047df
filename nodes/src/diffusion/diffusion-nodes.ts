/**
 * @module
 * The diffusion node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { CheckpointLoaderEMA } from './checkpoint-loader-ema';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import { CLIPTextEncode } from './clip-text-encode';
import { EmptyLatentImage } from './empty-latent-image';
import { KSampler } from './ksampler';
import { VAEDecode, VAEEncode } from './vae-nodes';

/**
 * Every node of the pack: CheckpointLoaderSimple, CheckpointLoaderEMA, CLIPTextEncode, EmptyLatentImage, KSampler,
 * VAEDecode, VAEEncode.
 * @example
 * const registry = createNodeRegistry(DIFFUSION_NODES);
 */
export const DIFFUSION_NODES: readonly AnyNodeDefinition[] = [
  CheckpointLoaderSimple,
  CheckpointLoaderEMA,
  CLIPTextEncode,
  EmptyLatentImage,
  KSampler,
  VAEDecode,
  VAEEncode,
];
