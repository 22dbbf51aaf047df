/**
 * @module
 * ComfyUI's LATENT nodes beyond sampling: resizing (torch modes and bislerp), batch picking and
 * repeating, and noise masks for inpainting.
 */
export { bislerp } from './bislerp';
export { LatentFromBatch, latentFromBatch, RepeatLatentBatch, repeatLatentBatch } from './latent-batch-nodes';
export { LATENT_NODES } from './latent-nodes';
export { LatentUpscale, LatentUpscaleBy, latentUpscaleSize } from './latent-upscale-nodes';
export { SetLatentNoiseMask } from './set-latent-noise-mask';
export type { LatentUpscaleMethod, UpscaleLatentOptions } from './upscale-latent';
export { LATENT_UPSCALE_METHODS, upscaleLatent } from './upscale-latent';
