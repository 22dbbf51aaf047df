/**
 * @module
 * The attention-injection node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { AttentionMapMask } from './attention-map-mask-node';
import { GeneratedMask } from './generated-mask-node';
import { ImagePromptAttention } from './image-prompt-attention-node';
import { ReferenceAttention } from './reference-attention-node';

/**
 * Every node of the pack: ImagePromptAttention, ReferenceAttention, AttentionMapMask, GeneratedMask.
 * @example
 * const registry = createNodeRegistry(ATTENTION_NODES);
 */
export const ATTENTION_NODES: readonly AnyNodeDefinition[] = [
  ImagePromptAttention,
  ReferenceAttention,
  AttentionMapMask,
  GeneratedMask,
];
