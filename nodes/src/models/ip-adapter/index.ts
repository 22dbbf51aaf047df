/**
 * @module
 * IP-Adapter files for SD1.5 (ip-adapter_sd15, ip-adapter-plus_sd15): their header, and their image
 * projection (`ImageProjModel`, `Resampler`) as a graph from image features to image-prompt tokens.
 */
export {
  buildIpAdapterProjectionGraph,
  IP_ADAPTER_PROJECTION_IO,
  imageProjModel,
  readIpAdapterProjection,
  resampler,
} from './image-projection-graph';
export {
  buildIpAdapterImageGraph,
  checkIpAdapterTower,
  IP_ADAPTER_IMAGE_IO,
} from './ip-adapter-image-graph';
export type {
  IpAdapterFile,
  LinearImageProjection,
  ResamplerProjection,
} from './read-ip-adapter';
export { IP_ADAPTER_SECTIONS, RESAMPLER_DIM_HEAD, readIpAdapter } from './read-ip-adapter';
export type { TinyIpAdapterEncoder, TinyIpAdapterKind } from './tiny-ip-adapter';
export { tinyIpAdapterTensors } from './tiny-ip-adapter';
