/**
 * @module
 * The segment node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { Segment } from './segment';
import { SegmentModelLoader } from './segment-model-loader';

/**
 * SegmentModelLoader and Segment.
 * @example
 * const registry = createNodeRegistry(SEGMENT_NODES);
 */
export const SEGMENT_NODES: readonly AnyNodeDefinition[] = [SegmentModelLoader, Segment];
