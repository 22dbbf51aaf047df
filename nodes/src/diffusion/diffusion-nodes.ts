/**
 * @module
 * The diffusion node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { CheckpointLoaderSimple } from './checkpoint-loader-simple';
import { CLIPTextEncode } from './clip-text-encode';
import { EmptyLatentImage } from './empty-latent-image';
import { KSampler } from './ksampler';
import { KSamplerAdvanced } from './ksampler-advanced';
import { VAEDecode, VAEEncode } from './vae-nodes';

/**
 * Every node of the pack: CheckpointLoaderSimple, CLIPTextEncode, EmptyLatentImage, KSampler,
 * KSamplerAdvanced, VAEDecode, VAEEncode.
 * @example
 * const registry = createNodeRegistry(DIFFUSION_NODES);
 */
export const DIFFUSION_NODES: readonly AnyNodeDefinition[] = [
  CheckpointLoaderSimple,
  CLIPTextEncode,
  EmptyLatentImage,
  KSampler,
  KSamplerAdvanced,
  VAEDecode,
  VAEEncode,
];
