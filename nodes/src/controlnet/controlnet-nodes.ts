/**
 * @module
 * The ControlNet node pack's definitions, as the built-in registry registers them.
 */
import type { AnyNodeDefinition } from '@momaflow/engine';
import { ControlNetApply, ControlNetApplyAdvanced } from './apply-controlnet';
import { ControlNetLoader } from './controlnet-loader';
import { Canny, ScribbleXDoG } from './hint-preprocessors/preprocessor-nodes';

/**
 * Every node of the pack: ControlNetLoader, ControlNetApplyAdvanced, ControlNetApply, Canny,
 * ScribbleXDoG.
 * @example
 * const registry = createNodeRegistry(CONTROLNET_NODES);
 */
export const CONTROLNET_NODES: readonly AnyNodeDefinition[] = [
  ControlNetLoader,
  ControlNetApplyAdvanced,
  ControlNetApply,
  Canny,
  ScribbleXDoG,
];
