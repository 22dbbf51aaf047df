/**
 * @module
 * The SD1.x UNet (diffusers `UNet2DConditionModel`) built as an ONNX graph from diffusers folders or
 * single-file LDM checkpoints, with named attention hook points, immutable patchable MODEL values,
 * a content-keyed compiled-graph cache and a per-step runner.
 */
export type { AttentionKernel, UnetBuildContext } from './build-context';
export type { AttentionHookPoint, AttentionKind, UnetBlockKind } from './hook-points';
export { featureExtent, listHookPoints } from './hook-points';
export { LDM_EMA_PREFIX, ldmEmaKey } from './ldm-ema-key';
export type { LdmUnetParams } from './ldm-unet-config';
export { LDM_UNET_PARAMS_SCHEMA, unetConfigFromLdmParams, unetConfigFromLdmYaml } from './ldm-unet-config';
export type { LdmUnetKeyConversion } from './ldm-unet-keys';
export { convertLdmUnetKeys, LDM_UNET_PREFIX, ldmToDiffusersUnetKey } from './ldm-unet-keys';
export { loadUnet, loadUnetFromLayout } from './load-unet';
export { unetMidBlock2dCrossAttn } from './mid-block';
export type {
  AttendOptions,
  AttendResult,
  AttentionPatchContext,
  AttentionPatchResult,
  AttentionProjection,
  BatchRow,
  ModelPatch,
  PatchInputLifetime,
  PatchInputOptions,
  PatchOutputs,
  PatchPass,
  PatchRunInfo,
  PatchStepInfo,
  ReferencePassRequest,
} from './model-patch';
export { pointKey } from './model-patch';
export type { PatchInputSpec, PatchOutputSpec } from './patch-io';
export { patchedUnetWeights, withWeightPatch } from './patched-unet-weights';
export type { DownBlockType, UnetConfig, UnetConfigJson, UpBlockType } from './unet-config';
export {
  checkUnetConfig,
  SD15_UNET_CONFIG,
  UNET_CONFIG_JSON_SCHEMA,
  unetConfigFromJson,
} from './unet-config';
export type { UnetGraphInput, UnetGraphIo, UnetGraphOptions } from './unet-graph';
export { buildUnetGraph, DEFAULT_UNET_OPSET, UNET_IO_NAMES } from './unet-graph';
export type { CompiledUnet, UnetGraphCacheOptions } from './unet-graph-cache';
export { UNET_BUILDER_VERSION, UnetGraphCache } from './unet-graph-cache';
export type { DownBlockPlan, MidBlockPlan, SkipPlan, UnetLayout, UpBlockPlan } from './unet-layout';
export { unetLayout } from './unet-layout';
export type { UnetModel } from './unet-model';
export { createUnetModel, withPatch } from './unet-model';
export type {
  UnetRun,
  UnetRunInput,
  UnetRunOptions,
  UnetRunResult,
  UnetSessionOptions,
  UnetStep,
} from './unet-session';
export { UnetSession } from './unet-session';
export type { UnetStemInputs, UnetStemOptions } from './unet-stem';
export {
  UNET_STEM_INPUT_NAMES,
  unetBuildContext,
  unetConvIn,
  unetDownPath,
  unetStemInputs,
} from './unet-stem';
export { unetWeightShapes } from './unet-weight-shapes';
export type { LdmUnetWeightsOptions, UnetWeightSource } from './unet-weights';
export { diffusersUnetWeights, ldmUnetWeights, memoryUnetWeights } from './unet-weights';
