/**
 * @module
 * Node attributes. JavaScript has one number type and ONNX distinguishes INT from FLOAT, so a plain
 * number is INT when it is an integer and FLOAT otherwise; an integral float (`alpha: 1.0`) must be
 * wrapped with `attrFloat`, or onnxruntime rejects the model at load with a type mismatch (loudly,
 * never silently).
 */
import { EngineError } from '../errors/engine-error';
import type { DType } from '../tensor/tensor';
import { Tensor } from '../tensor/tensor';
import { ATTRIBUTE_TYPE } from './onnx-schema';
import type { AttributeProtoObject, TensorProtoObject } from './proto-objects';

/** A FLOAT attribute whose value happens to be integral. */
export interface AttrFloat {
  readonly kind: 'float';
  readonly value: number;
}

/** A FLOATS attribute whose values may all be integral. */
export interface AttrFloats {
  readonly kind: 'floats';
  readonly values: readonly number[];
}

/** Any attribute value; `undefined` entries are left out of the node. */
export type OnnxAttrValue =
  | number
  | bigint
  | string
  | readonly number[]
  | readonly string[]
  | Tensor<DType>
  | AttrFloat
  | AttrFloats;

/** Attributes of one node, by ONNX attribute name. */
export type OnnxAttrs = Readonly<Record<string, OnnxAttrValue | undefined>>;

/**
 * Mark a number as a FLOAT attribute even when it is integral.
 * @example
 * b.op('Elu', [x], { alpha: attrFloat(1) });
 */
export function attrFloat(value: number): AttrFloat {
  return { kind: 'float', value };
}

/**
 * Mark a number list as a FLOATS attribute even when every value is integral.
 * @example
 * b.op('Resize', [x, null, scales], { extrapolation_value: attrFloat(0) });
 */
export function attrFloats(values: readonly number[]): AttrFloats {
  return { kind: 'floats', values };
}

function isStringList(v: readonly number[] | readonly string[]): v is readonly string[] {
  return v.length > 0 && typeof v[0] === 'string';
}

function checkInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v)) {
    throw new EngineError('invalid_attribute', `attribute '${name}' value ${v} is not a safe integer`);
  }
  return v;
}

/**
 * Encode one attribute as an `AttributeProto` object.
 * `encodeTensor` turns a tensor attribute into a `TensorProto` (kept inline: attributes never go external).
 */
export function encodeAttribute(
  name: string,
  value: OnnxAttrValue,
  encodeTensor: (t: Tensor<DType>) => TensorProtoObject,
): AttributeProtoObject {
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { name, type: ATTRIBUTE_TYPE.INT, i: checkInt(name, value) }
      : { name, type: ATTRIBUTE_TYPE.FLOAT, f: value };
  }
  if (typeof value === 'bigint') return { name, type: ATTRIBUTE_TYPE.INT, i: value.toString() };
  if (typeof value === 'string') {
    return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value) };
  }
  if (value instanceof Tensor) return { name, type: ATTRIBUTE_TYPE.TENSOR, t: encodeTensor(value) };
  if (Array.isArray(value)) {
    const list = value as readonly number[] | readonly string[];
    if (isStringList(list)) {
      const enc = new TextEncoder();
      return { name, type: ATTRIBUTE_TYPE.STRINGS, strings: list.map((s) => enc.encode(s)) };
    }
    const nums = list as readonly number[];
    return nums.every((n) => Number.isInteger(n))
      ? { name, type: ATTRIBUTE_TYPE.INTS, ints: nums.map((n) => checkInt(name, n)) }
      : { name, type: ATTRIBUTE_TYPE.FLOATS, floats: [...nums] };
  }
  const tagged = value as AttrFloat | AttrFloats;
  switch (tagged.kind) {
    case 'float':
      return { name, type: ATTRIBUTE_TYPE.FLOAT, f: tagged.value };
    case 'floats':
      return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: [...tagged.values] };
  }
}
