/**
 * @module
 * Subject segmentation: SegmentModelLoader (ONNX salient-object / background-removal models from
 * models/segment, configured by a JSON file beside them or a preset matched by name) and Segment
 * (mask, cut-out on white, RGBA cut-out), plus the pure mask refinements they use.
 */
export { cutouts } from './cutouts';
export { listSegmentModels, SEGMENT_MODELS_FOLDER } from './list-segment-models';
export { configPathOf, loadSegmenter, segmentModelIdentity } from './load-segmenter';
export type { RefineMaskOptions } from './refine-mask';
export { featherMask, keepLargestComponent, refineMask, thresholdMask } from './refine-mask';
export { Segment } from './segment';
export type { SegmentModelConfig, SegmentPreset, SegmentSettings, Size2d } from './segment-model-config';
export {
  parseSegmentModelConfig,
  presetForFile,
  resolveSegmentSettings,
  SEGMENT_PRESETS,
  zSegmentModelConfig,
} from './segment-model-config';
export type { SegmentModelIo } from './segment-model-io';
export { describeSegmentIo } from './segment-model-io';
export { SegmentModelLoader } from './segment-model-loader';
export { SEGMENT_NODES } from './segment-nodes';
export { SEGMENT_SESSIONS } from './segment-resources';
export type { Segmenter } from './segment-types';
