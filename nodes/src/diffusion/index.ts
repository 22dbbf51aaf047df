/**
 * @module
 * The diffusion node pack (ComfyUI's names): CheckpointLoaderSimple, CLIPTextEncode, EmptyLatentImage,
 * KSampler, VAEDecode, VAEEncode; the MODEL / CLIP / VAE / CONDITIONING / LATENT socket values; the
 * per-environment session and graph caches; and the functions behind the nodes (checkpoint loading,
 * prompt encoding, guided sampling, VAE codec, latent previews) for packs and tests that compose them.
 */

export type {
  MakeTinyControlNetOptions,
  MakeTinyFamilyOptions,
  MakeTinySd15Options,
  TinyControlNetFiles,
  TinyFamilyFile,
  TinySd15Files,
} from '../models/tiny';
export {
  makeTinyControlNet,
  makeTinyFamily,
  makeTinySd15,
  TINY_CONTROLNET_FILE,
  TINY_FAMILY_FILES,
  TINY_SD15_FILE,
} from '../models/tiny';
export { concatBatch, divided, meanOf, rowsForBatch, scaled, sliceBatch } from './batch-tensors';
export type { CfgDenoiserOptions } from './cfg-denoiser';
export { createCfgDenoiser } from './cfg-denoiser';
export type { ConditioningShape } from './check-conditioning';
export { checkConditioning } from './check-conditioning';
export type { CheckpointContents, IgnoredKeys } from './checkpoint-contents';
export { describeIgnored, inspectCheckpoint } from './checkpoint-contents';
export { checkpointIdentity } from './checkpoint-identity';
export { CheckpointLoaderEMA } from './checkpoint-loader-ema';
export {
  CHECKPOINT_OUTPUTS,
  CheckpointLoaderSimple,
  checkpointFileInput,
  runCheckpointLoader,
} from './checkpoint-loader-simple';
export { CLIPTextEncode } from './clip-text-encode';
export { clipTokenizerKey, clipTokenizerSourceFor, loadClipTokenizerFrom } from './clip-tokenizers';
export type { RegionEntry } from './conditioning-regions';
export { combineRegions, cropArea, hasRegions, resolveRegions } from './conditioning-regions';
export { DIFFUSION_NODES } from './diffusion-nodes';
export { CLIP_TOKENIZERS, DIFFUSION_SESSIONS, MODEL_GRAPHS, UNET_GRAPHS } from './diffusion-resources';
export type {
  ClipModel,
  ClipTokenizerSource,
  Conditioning,
  ConditioningEntry,
  ImagePrompt,
  Latent,
  LatentArea,
  VaeModel,
} from './diffusion-types';
export { EmptyLatentImage, emptyLatent } from './empty-latent-image';
export type { EncodedPrompt } from './encode-prompt';
export { clipTokenizer, encodePrompt } from './encode-prompt';
export type { GuidedEntry } from './guided-rows';
export { guidedEntries, guidedRows } from './guided-rows';
export type { VaeEncodeCrop } from './image-layout';
export { imageToVaeInput, vaeEncodeCrop, vaeOutputToImage } from './image-layout';
export type { InpaintDenoiserOptions, NoiseMaskShape } from './inpaint-denoiser';
export { createInpaintDenoiser, prepareNoiseMask } from './inpaint-denoiser';
export { KSampler } from './ksampler';
export { KSamplerAdvanced } from './ksampler-advanced';
export { latentPreview, latentToRgb, SD15_LATENT_RGB_FACTORS } from './latent-preview';
export { CHECKPOINT_EXTENSIONS, listCheckpoints } from './list-checkpoints';
export type { LoadCheckpointOptions, LoadedCheckpoint } from './load-checkpoint';
export { loadCheckpoint, loadCheckpointFor, vaeConfigOf } from './load-checkpoint';
export { CheckpointLoader, CLIPSetLastLayer, VAELoader } from './loader-nodes';
export { LruMemo } from './lru-memo';
export type { ModelFileInput, ModelFileInputOptions } from './model-file-input';
export { modelFileInput } from './model-file-input';
export type { ModelGraphKind, ModelGraphRef } from './model-graphs';
export { modelGraph, withModelSession, writtenModelGraph } from './model-graphs';
export type { PatchRunOptions } from './patch-run';
export { startPatchRun } from './patch-run';
export type { PrepareNoiseOptions } from './prepare-noise';
export { prepareNoise } from './prepare-noise';
export type { ReferencePassEvent } from './reference-passes';
export { REFERENCE_PASSES, referencePasses } from './reference-passes';
export { createRegionalCfgDenoiser } from './regional-cfg-denoiser';
export type { RunKSamplerOptions } from './run-ksampler';
export { runKSampler } from './run-ksampler';
export type { SampledLatent, SampleLatentOptions, SamplingStep } from './sample-latent';
export { SD15_LATENT_SCALE, sampleLatent, sampleLatentWithMasks } from './sample-latent';
export type { LevelRequest, SamplerName, SamplerPlan, StepWindow } from './sampler-plans';
export { SAMPLER_NAMES, SAMPLER_PLANS, windowLevels } from './sampler-plans';
export type { StepReporter, StepReporterOptions } from './step-reporter';
export { createStepReporter, MAX_PREVIEWS_PER_RUN } from './step-reporter';
export type { TiledScaleOptions } from './tiled-scale';
export { tiledScale } from './tiled-scale';
export { decodeLatent, encodeImage } from './vae-codec';
export { inpaintMasks, VAEEncodeForInpaint } from './vae-encode-for-inpaint';
export { VAEDecode, VAEEncode } from './vae-nodes';
export type { TileOptions } from './vae-tiled-nodes';
export { decodeLatentTiled, encodeImageTiled, VAEDecodeTiled, VAEEncodeTiled } from './vae-tiled-nodes';
