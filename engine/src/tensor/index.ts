/** @module Typed tensors shared by every node pack. */

export type { DataTypeMap, DType } from './tensor';
export { isFloatTensor, shapeSize, Tensor } from './tensor';
