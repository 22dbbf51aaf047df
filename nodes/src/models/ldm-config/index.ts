/**
 * @module
 * Reading checkpoints as people have them: diffusers folders and single-file LDM checkpoints with an
 * optional yaml beside them; config parsing; canonically named, shape-checked weights.
 */
export type { CheckpointLayout, DiffusersComponent } from './checkpoint-layout';
export { DIFFUSERS_WEIGHT_NAMES, findDiffusersComponent, resolveCheckpointLayout } from './checkpoint-layout';
export { parseConfigJson, readConfigJson } from './config-json';
export { convWeights, linearWeights, normWeights } from './layer-weights';
export { ldmKey } from './ldm-key';
export type { LdmStageConfig, LdmYamlConfig } from './ldm-yaml';
export { parseLdmYaml, parseStageParams, readLdmYaml } from './ldm-yaml';
export type {
  LowRankBinder,
  LowRankBinding,
  LowRankConvOptions,
  LowRankDelta,
  PatchedConvWeights,
  PatchedLinearWeights,
} from './low-rank-delta';
export {
  addLowRankConv,
  addLowRankRows,
  addLowRankTokens,
  LowRankInputs,
  withConvDeltas,
  withLinearDeltas,
} from './low-rank-delta';
export type { WeightFactory, WeightMapping, WeightReplacement, WeightSelector } from './weight-map';
export { WeightMap } from './weight-map';
export type { WeightPatch } from './weight-patch';
export { applyWeightPatches, patchedKey, patchInputs } from './weight-patch';
export { inScope, WeightScope } from './weight-scope';
