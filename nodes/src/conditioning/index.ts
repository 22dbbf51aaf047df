/**
 * @module
 * ComfyUI's CONDITIONING nodes: combine, average, zero out, set area, set mask.
 */
export {
  averageConditioning,
  CONDITIONING_NODES,
  ConditioningAverage,
  ConditioningCombine,
  ConditioningSetArea,
  ConditioningSetMask,
  ConditioningZeroOut,
} from './conditioning-nodes';
