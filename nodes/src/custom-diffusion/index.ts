/**
 * @module
 * The Custom Diffusion node pack: CustomDiffusionLoader.
 */
export { CustomDiffusionLoader } from './custom-diffusion-loader';
export { listCustomDiffusion } from './list-custom-diffusion';
