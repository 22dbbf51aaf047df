/**
 * @module
 * SD1.x ControlNets (diffusers `ControlNetModel`, cldm `ControlNet`) from diffusers folders and the
 * original releases' single files, built as two ONNX graphs from the UNet's own blocks: the hint
 * embedding (run once per hint) and the ControlNet proper (run per sampler step), whose outputs are
 * the UNet's residual inputs.
 */
export type { ControlNetConfig, HintChannelOrder, SingleFileFacts } from './controlnet-config';
export {
  controlNetConfigFromJson,
  controlNetConfigFromLdmYaml,
  SD15_HINT_EMBEDDING_CHANNELS,
} from './controlnet-config';
export type { ControlNetGraphOptions } from './controlnet-graph';
export { buildControlNetGraph, CONTROLNET_IO } from './controlnet-graph';
export type { ControlNetKeyLayout } from './controlnet-keys';
export {
  CLDM_CONTROL_PREFIX,
  cldmControlKeys,
  cldmToDiffusersControlNetKey,
  controlNetKeyLayout,
  lastHintConv,
} from './controlnet-keys';
export type { ControlNetRunInput, ControlResiduals } from './controlnet-runner';
export { embedHint, runControlNet } from './controlnet-runner';
export { buildHintEmbeddingGraph, HINT_EMBEDDING_IO, hintDownscale } from './hint-embedding-graph';
export type { ControlNetModel, ControlNetPart } from './load-controlnet';
export { controlNetSelector, loadControlNet, readControlNetWeights } from './load-controlnet';
