/** @module Image nodes: load, save, preview, scale, masks. */
import type { AnyNodeDefinition } from '@momaflow/engine';

export const IMAGE_NODES: readonly AnyNodeDefinition[] = [];
