/**
 * @module
 * Plain-object shapes of the ONNX messages in `onnx-schema.ts`, as protobufjs encodes them (snake_case
 * field names, int64 as number or decimal string, bytes as `Uint8Array`). Only the fields we write.
 */

type Int64 = number | string;

export interface StringStringEntryObject {
  key: string;
  value: string;
}

export interface TensorProtoObject {
  name: string;
  dims: Int64[];
  data_type: number;
  raw_data?: Uint8Array;
  external_data?: StringStringEntryObject[];
  data_location?: number;
}

export interface AttributeProtoObject {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProtoObject;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
}

export interface NodeProtoObject {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain?: string;
  attribute: AttributeProtoObject[];
}

export interface DimensionObject {
  dim_value?: Int64;
  dim_param?: string;
}

export interface ValueInfoProtoObject {
  name: string;
  type: { tensor_type: { elem_type: number; shape?: { dim: DimensionObject[] } } };
}

export interface GraphProtoObject {
  name: string;
  node: NodeProtoObject[];
  initializer: TensorProtoObject[];
  input: ValueInfoProtoObject[];
  output: ValueInfoProtoObject[];
}

export interface ModelProtoObject {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  graph: GraphProtoObject;
  metadata_props?: StringStringEntryObject[];
}
