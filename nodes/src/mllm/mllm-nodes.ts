/**
 * @module
 * The MLLM pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { MLLMAdapter } from './mllm-adapter';
import { MLLMLoader } from './mllm-loader';

/**
 * Every node of the pack: MLLMLoader, MLLMAdapter.
 * @example
 * const registry = createNodeRegistry(MLLM_NODES);
 */
export const MLLM_NODES: readonly AnyNodeDefinition[] = [MLLMLoader, MLLMAdapter];
