/**
 * @module
 * The ONNX graph builder (deterministic ModelProto emission, external data, content hash), the
 * module-like helpers that blocks are built from, and the onnxruntime session cache.
 */

export { geglu, gelu, geluTanh, quickGelu, silu } from './activations';
export { arange } from './arange';
export type { AttentionOptions, AttentionResult } from './attention';
export { attention, attentionScale } from './attention';
export type { AttrFloat, AttrFloats, OnnxAttrs, OnnxAttrValue } from './attributes';
export { attrFloat, attrFloats } from './attributes';
export { collectExposedGarbage } from './collect-garbage';
export type { ReadSystemFile, ThreadCount, ThreadCountInputs, ThreadCountSource } from './compute-threads';
export { cgroupCpuLimit, parseThreadCount, resolveThreadCount, THREADS_ENV_VAR } from './compute-threads';
export type { Conv2dOptions, Conv2dWeights } from './conv2d';
export { conv2d } from './conv2d';
export type { FloatDType } from './dtypes';
export { floatTensor, ONNX_DTYPES } from './dtypes';
export type {
  ExternalDataWriterOptions,
  ExternalTensorRef,
  StreamedExternalData,
} from './external-data-writer';
export { ExternalDataWriter } from './external-data-writer';
export { fusedAttention } from './fused-attention';
export type {
  OnnxExternalInitializerRecord,
  OnnxGraphSnapshot,
  OnnxInitializerRecord,
  OnnxNodeRecord,
  OnnxValueInfo,
} from './graph-snapshot';
export type { GroupNormOptions, GroupNormWeights } from './group-norm';
export { groupNorm } from './group-norm';
export type { LayerNormOptions, LayerNormWeights } from './layer-norm';
export { layerNorm } from './layer-norm';
export type { LinearOptions, LinearWeights } from './linear';
export { linear } from './linear';
export type { MatmulBenchOptions, MatmulBenchResult } from './matmul-gflops';
export { measureMatmulGflops } from './matmul-gflops';
export type { BlockQuantized, BlockQuantOptions, MatMulNBitsOptions, QuantBits } from './matmul-nbits';
export { dequantizeBlockwise, matmulNBits, quantizeBlockwise } from './matmul-nbits';
export type { OnnxBuildOptions } from './model-encoder';
export type { OnnxBuilderOptions, OpInput, OpOptions } from './onnx-builder';
export { OnnxBuilder } from './onnx-builder';
export type { OnnxLogger } from './onnx-logger';
export { SILENT_ONNX_LOGGER } from './onnx-logger';
export type { OnnxExternalData } from './onnx-model';
export { OnnxModel } from './onnx-model';
export { fromOrtTensor, toOrtTensor } from './ort-tensor';
export type { WeightQuantization } from './quantized-linear';
export { FLOAT_WEIGHTS, quantizedLinear } from './quantized-linear';
export type { OnnxIo, OnnxIoInfo } from './read-onnx-io';
export { readOnnxIo } from './read-onnx-io';
export type { ReduceOpType } from './reduce';
export { reduce } from './reduce';
export type { RmsNormOptions, RmsNormWeights } from './rms-norm';
export { rmsNorm } from './rms-norm';
export type { RotaryTables, RotaryTablesOptions } from './rotary-embedding';
export { applyRotary, rotaryTables } from './rotary-embedding';
export type { SessionCacheOptions, SessionLease } from './session-cache';
export { SessionCache } from './session-cache';
export type { ExecutionProviderName, OnnxModelSource, OnnxSessionOptions } from './session-options';
export type { SessionRam, SessionRamInputs, SessionRamSource } from './session-ram';
export {
  CACHE_RAM_ENV_VAR,
  defaultSessionRam,
  parseCacheRam,
  resolveSessionRam,
} from './session-ram';
export { estimateSessionBytes } from './session-size';
export type { TimestepEmbeddingOptions } from './timestep-embedding';
export { timestepEmbedding, timestepFrequencies } from './timestep-embedding';
export { upsampleNearest2x } from './upsample';
export type { Dim, Value } from './value';
export type { Conv3x3Options, Conv3x3Setting, WinogradChannelRange } from './winograd-conv3x3';
export { conv3x3, winogradConv3x3, winogradKernel } from './winograd-conv3x3';
export type { ConstantFeeds, OnnxSession } from './worker-sessions';
export type { WriteModelOptions, WrittenModel } from './write-model';
export { writeModel } from './write-model';
