/**
 * @module
 * Weight readers and writers: lazy safetensors and torch zip-pickle readers behind one `WeightReader`
 * interface, a deterministic safetensors writer, and float16 / bfloat16 conversions.
 */

export {
  bfloat16ToFloat32Array,
  float16BitsToFloat32,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  float32ToFloat16Bits,
} from './float16';
export { openWeights, readWeightSection, TORCH_EXTENSIONS, withWeightReader } from './open-weights';
export { SAFETENSORS_MAX_HEADER_BYTES } from './safetensors-header';
export { openSafetensors, SafetensorsReader } from './safetensors-reader';
export type { AnyTensor, WriteSafetensorsOptions } from './safetensors-writer';
export { encodeSafetensors, writeSafetensors } from './safetensors-writer';
export { ShardedReader } from './sharded-reader';
export { tensorsDigest } from './tensor-digest';
export type { TorchTree, TorchTreeValue } from './torch-archive';
export { isTorchTree, openTorchFile, readTorchPickle, TorchReader } from './torch-reader';
export { TorchTensorHandle } from './torch-tensor';
export type { StateTree, TensorViewSpec, TorchSaveTensor, TorchSaveTree } from './torch-writer';
export { torchStatePickle, writeTorchFile } from './torch-writer';
export type { TensorInfo, WeightDType, WeightReader, WeightTensor } from './weight-reader';
export { isFloatDType } from './weight-reader';
export type { ZipEntryOptions, ZipSink, ZipWriterOptions } from './zip-writer';
export { fileZipSink, memoryZipSink, ZipWriter } from './zip-writer';
