/**
 * @module
 * The SD1.x VAE (diffusers `AutoencoderKL`): config from diffusers or LDM layouts, weights from
 * diffusers folders, single-file checkpoints and standalone VAE files, the decoder and encoder ONNX
 * graphs (symbolic sizes), and their runners. The latent scale (0.18215 for SD1.x) is the caller's.
 */
export type { VaeGraphOptions } from './build-vae-graphs';
export { buildVaeDecoderGraph, buildVaeEncoderGraph, VAE_IO } from './build-vae-graphs';
export type { VaeCheckpoint } from './load-vae';
export { loadVae, loadVaeFromLayout } from './load-vae';
export type { VaeAttentionKernel } from './vae-attention';
export type { VaeConfig, VaeConfigJson } from './vae-config';
export {
  SD1_VAE_CONFIG,
  VAE_CONFIG_JSON_SCHEMA,
  vaeConfigFromJson,
  vaeConfigFromLdmYaml,
} from './vae-config';
export {
  convertLdmVaeKey,
  diffusersVaeSelector,
  LDM_VAE_PREFIX,
  ldmVaeSelector,
  squeezeConv1x1,
} from './vae-keys';
export { vaeDecode, vaeEncode } from './vae-runner';
