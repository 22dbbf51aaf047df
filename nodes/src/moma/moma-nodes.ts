/**
 * @module
 * The MoMA node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { MoMAAdapterLoader } from './moma-adapter-loader';
import { MoMAApply } from './moma-apply';

/**
 * Every node of the pack: MoMAAdapterLoader, MoMAApply.
 * @example
 * const registry = createNodeRegistry(MOMA_NODES);
 */
export const MOMA_NODES: readonly AnyNodeDefinition[] = [MoMAAdapterLoader, MoMAApply];
