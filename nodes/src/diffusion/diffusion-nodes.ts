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
import { KSamplerAdvanced } from './ksampler-advanced';
import { CheckpointLoader, CLIPSetLastLayer, VAELoader } from './loader-nodes';
import { VAEEncodeForInpaint } from './vae-encode-for-inpaint';
import { VAEDecode, VAEEncode } from './vae-nodes';
import { VAEDecodeTiled, VAEEncodeTiled } from './vae-tiled-nodes';

/**
 * Every node of the pack: CheckpointLoaderSimple, CheckpointLoaderEMA, CLIPTextEncode, EmptyLatentImage,
 * KSampler, KSamplerAdvanced, VAEDecode, VAEEncode, VAEEncodeForInpaint, VAEDecodeTiled, VAEEncodeTiled,
 * VAELoader, CheckpointLoader, CLIPSetLastLayer.
 * @example
 * const registry = createNodeRegistry(DIFFUSION_NODES);
 */
export const DIFFUSION_NODES: readonly AnyNodeDefinition[] = [
  CheckpointLoaderSimple,
  CheckpointLoaderEMA,
  CLIPTextEncode,
  EmptyLatentImage,
  KSampler,
  KSamplerAdvanced,
  VAEDecode,
  VAEEncode,
  VAEEncodeForInpaint,
  VAEDecodeTiled,
  VAEEncodeTiled,
  VAELoader,
  CheckpointLoader,
  CLIPSetLastLayer,
];
