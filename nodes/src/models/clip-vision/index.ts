/**
 * @module
 * CLIP vision towers (HF `CLIPVisionModel`, LLaVA's image encoder): config from transformers files or
 * recognised from weight shapes, transformers' CLIP image preprocessing, and the tower as graph ops,
 * with `CLIPVisionModelWithProjection`'s `image_embeds` head.
 */
export type { ClipImageProcessorConfig, ClipProcessorJson } from './clip-image-processor';
export {
  CLIP_PROCESSOR_JSON_SCHEMA,
  clipPreprocess,
  clipProcessorConfig,
  OPENAI_CLIP_MEAN,
  OPENAI_CLIP_STD,
} from './clip-image-processor';
export type { ClipVisionConfig, ClipVisionConfigJson, ClipVisionShapes } from './clip-vision-config';
export {
  CLIP_VISION_CONFIG_JSON_SCHEMA,
  CLIP_VIT_H14,
  CLIP_VIT_L14_336,
  clipVisionConfigFromJson,
  clipVisionConfigFromShapes,
} from './clip-vision-config';
export { clipVisionKey, clipVisionSelector } from './clip-vision-keys';
export {
  CLIP_VISUAL_PROJECTION_KEY,
  clipVisionImageEmbeds,
  clipVisionProjectionDim,
} from './clip-vision-projection';
export type { ClipVisionTowerOptions } from './clip-vision-tower';
export { clipVisionTower, towerDepth } from './clip-vision-tower';
export type { ClipVisionCheckpoint } from './load-clip-vision';
export { bundledClipVision, clipVisionShapes, loadClipVision } from './load-clip-vision';
