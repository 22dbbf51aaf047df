/**
 * @module
 * momaflow's tiny default models: SD1.5's architecture and file layout with seeded random weights, so
 * every workflow runs out of the box (`momaflow models make-tiny`), a ControlNet for it in the original
 * releases' layout, a MoMA set (LLaVA, CLIP vision tower, adapter) in theirs, plus the key/shape
 * tables they are made from.
 */
export { LDM_CLIP_TEXT_PREFIX, ldmClipTextShapes } from './ldm-clip-shapes';
export type { LdmHintShape } from './ldm-controlnet-shapes';
export { ldmControlNetShapes } from './ldm-controlnet-shapes';
export { ldmUnetShapes } from './ldm-unet-shapes';
export { ldmVaeShapes } from './ldm-vae-shapes';
export type { MomaAdapterShape } from './llava-shapes';
export {
  clipVisionConfigJson,
  clipVisionKeyShapes,
  llavaConfigJson,
  llavaKeyShapes,
  momaAdapterKeyShapes,
} from './llava-shapes';
export type { MakeTinyControlNetOptions, TinyControlNetFiles } from './make-tiny-controlnet';
export {
  CLDM_HINT_SHAPE,
  controlNetYamlText,
  makeTinyControlNet,
  TINY_CONTROLNET_FILE,
  tinyControlNetTensors,
} from './make-tiny-controlnet';
export type { MakeTinyFamilyOptions, TinyFamilyFile } from './make-tiny-family';
export { makeTinyFamily, TINY_FAMILY_FILES } from './make-tiny-family';
export type { MakeTinyMomaOptions, TinyMomaFiles } from './make-tiny-moma';
export {
  makeTinyMoma,
  seededTorchTree,
  TINY_CLIP_VISION,
  TINY_CLIP_VISION_DIR,
  TINY_LLAVA_DIR,
  TINY_MOMA_ADAPTER_FILE,
  writeSeededMomaAdapter,
} from './make-tiny-moma';
export type { MakeTinySd15Options, TinySd15Files } from './make-tiny-sd15';
export { makeTinySd15, TINY_SD15_FILE, tinySd15Tensors } from './make-tiny-sd15';
export { seededWeight } from './seeded-init';
export type {
  LdmCheckpointShape,
  LdmClipTextShape,
  LdmUnetShape,
  LdmVaeShape,
} from './tiny-sd15-config';
export { ldmYamlText, SD15_SHAPE, TINY_SD15_SHAPE } from './tiny-sd15-config';
export type { SdModelShapes } from './tiny-sd15-models';
export { sdModelShapes } from './tiny-sd15-models';
