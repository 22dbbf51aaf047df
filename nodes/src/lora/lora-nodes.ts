/**
 * @module
 * The LoRA pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { LoraLoader, LoraLoaderModelOnly } from './lora-loaders';

/**
 * LoraLoader and LoraLoaderModelOnly.
 * @example
 * const registry = createNodeRegistry(LORA_NODES);
 */
export const LORA_NODES: readonly AnyNodeDefinition[] = [LoraLoader, LoraLoaderModelOnly];
