/**
 * @module
 * LLaVA-1.5 (CLIP vision tower + projector + LLaMA) on onnxruntime from the original checkpoint
 * files: loading both key layouts and any sharding, graphs built layer by layer with weight-only
 * int8 / int4 quantization and cached on disk, LLaVA's image preprocessing, and the prefill pass.
 */
export type { BuildLlavaGraphsOptions, LlavaBuildProgress, LlavaGraphFiles } from './build-llava-graphs';
export { buildLlavaGraphs, languageStages } from './build-llava-graphs';
export type { LlavaConfig, LlavaLayout, LlavaProjector } from './llava-config';
export { llavaConfigFromJson } from './llava-config';
export type { CompiledLlava, CompiledLlavaStage, LlavaGraphCacheOptions } from './llava-graph-cache';
export { LLAVA_BUILDER_VERSION, LlavaGraphCache } from './llava-graph-cache';
export { expandToSquare, llavaPixelValues } from './llava-image';
export { hasVisionTower, languageSelector } from './llava-keys';
export type { LlavaLanguageStageOptions } from './llava-language-graph';
export { buildLlavaLanguageStage, LLAVA_LANGUAGE_IO } from './llava-language-graph';
export type { CreateLlavaModelOptions, LlavaModel } from './llava-model';
export { createLlavaModel } from './llava-model';
export type { LlavaPrefillInput, LlavaPrefillOptions, LlavaPrefillResult } from './llava-prefill';
export { llavaPrefill } from './llava-prefill';
export type { LlavaPromptIds } from './llava-prompt';
export { splitAtImage } from './llava-prompt';
export type { LlavaPrecision, LlavaQuantization } from './llava-quantization';
export { autoLlavaPrecision, LLAVA_PRECISIONS, llavaQuantization } from './llava-quantization';
export type { LlavaVisionGraphOptions } from './llava-vision-graph';
export { buildLlavaVisionGraph, LLAVA_VISION_IO } from './llava-vision-graph';
export type { LlavaCheckpoint } from './load-llava';
export { loadLlava } from './load-llava';
