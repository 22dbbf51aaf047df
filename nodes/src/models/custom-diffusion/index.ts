/**
 * @module
 * Custom Diffusion files (cross-attention key / value weights and modifier tokens) in the layouts of
 * its trainers: planned from headers, applied as a UNet weight patch and as added tokens.
 */
export { customDiffusionPatch, customDiffusionTokens } from './custom-diffusion-patch';
export type {
  CustomDiffusionModel,
  CustomDiffusionPlan,
  CustomDiffusionToken,
  CustomDiffusionWeight,
} from './read-custom-diffusion';
export { readCustomDiffusion } from './read-custom-diffusion';
export type { TinyCustomDiffusionFiles, TinyCustomDiffusionFormat } from './tiny-custom-diffusion';
export { tinyCustomDiffusion } from './tiny-custom-diffusion';
