/** @module Typed tensors shared by every node pack. */
export { Tensor, shapeSize, isFloatTensor } from './tensor';
export type { DType, DataTypeMap } from './tensor';
