/**
 * @module
 * The registry of every built-in node pack. Custom packs are registered on top by the application.
 */
import { type AnyNodeDefinition, createNodeRegistry, type NodeRegistry } from '@momaflow/engine';
import { ATTENTION_NODES } from './attention';
import { ImageComparison } from './comparison';
import { CONDITIONING_NODES } from './conditioning';
import { CONTROLNET_NODES } from './controlnet';
import { CustomDiffusionLoader } from './custom-diffusion';
import { DIFFUSION_NODES } from './diffusion';
import { IMAGE_NODES } from './image';
import { IP_ADAPTER_NODES } from './ip-adapter';
import { LATENT_NODES } from './latent';
import { LORA_NODES } from './lora';
import { MLLM_NODES } from './mllm';
import { MOMA_NODES } from './moma';
import { PRIMITIVE_NODES } from './primitives';
import { SEGMENT_NODES } from './segment';

export const BUILTIN_NODES: readonly AnyNodeDefinition[] = [
  ...PRIMITIVE_NODES,
  ...IMAGE_NODES,
  ...DIFFUSION_NODES,
  ...ATTENTION_NODES,
  ...LATENT_NODES,
  ...CONDITIONING_NODES,
  ...CONTROLNET_NODES,
  ...MOMA_NODES,
  ...MLLM_NODES,
  ...SEGMENT_NODES,
  ...LORA_NODES,
  CustomDiffusionLoader,
  ImageComparison,
  ...IP_ADAPTER_NODES,
];

/**
 * @example
 * const registry = createBuiltinRegistry();
 * registry.register(myPack.nodes, { pack: 'my-pack' });
 */
export function createBuiltinRegistry(): NodeRegistry {
  return createNodeRegistry(BUILTIN_NODES);
}
