/** @module Primitive value nodes. */
export {
  PRIMITIVE_NODES,
  PrimitiveBoolean,
  PrimitiveFloat,
  PrimitiveInt,
  PrimitiveString,
  Seed,
} from './primitive-nodes';
