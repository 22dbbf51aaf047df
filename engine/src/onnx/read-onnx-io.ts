/**
 * @module
 * The inputs and outputs of a serialized ONNX model (names, element types, shapes) without decoding
 * its nodes or weights: the protobuf walk skips every other field by its length, so reading the
 * signature of a 200 MB model costs microseconds after the file is in memory. Loaders use it to check
 * that a model a user dropped in has the interface they expect, and to say what it has instead,
 * before onnxruntime builds a session.
 */
import protobuf from 'protobufjs';
import { EngineError, errorMessage } from '../errors/engine-error';
import { ONNX_DTYPES } from './dtypes';
import { VALUE_INFO_PROTO } from './onnx-schema';

/** One graph input or output. */
export interface OnnxIoInfo {
  readonly name: string;
  /** Engine dtype name (`float32`, `float16`, ...), or `onnx type N` for types the engine has no name for. */
  readonly elemType: string;
  /** Each dimension: a number, a symbolic name, or `null` when unknown; `undefined` when the rank is unknown. */
  readonly shape: readonly (number | string | null)[] | undefined;
}

/** The model's graph inputs (initializers excluded) and outputs, in graph order. */
export interface OnnxIo {
  readonly inputs: readonly OnnxIoInfo[];
  readonly outputs: readonly OnnxIoInfo[];
}

// Field numbers from onnx/onnx.in.proto (see onnx-schema.ts).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;
const LENGTH_DELIMITED = 2;

/** A decoded ValueInfoProto; every field may be missing in a file someone else wrote. */
interface DecodedValueInfo {
  readonly name?: string;
  readonly type?: {
    readonly tensor_type?: {
      readonly elem_type?: number;
      readonly shape?: { readonly dim?: readonly { dim_value?: number; dim_param?: string }[] };
    };
  };
}

const DTYPE_BY_CODE = new Map<number, string>(Object.entries(ONNX_DTYPES).map(([name, t]) => [t.code, name]));

function toIoInfo(v: DecodedValueInfo): OnnxIoInfo {
  const tensor = v.type?.tensor_type;
  const code = tensor?.elem_type ?? 0;
  const shape = tensor?.shape?.dim?.map((d) => d.dim_value ?? (d.dim_param || null));
  return { name: v.name ?? '', elemType: DTYPE_BY_CODE.get(code) ?? `onnx type ${code}`, shape };
}

function decodeValueInfo(reader: protobuf.Reader): DecodedValueInfo {
  const message = VALUE_INFO_PROTO.decode(reader, reader.uint32());
  return VALUE_INFO_PROTO.toObject(message, { longs: Number }) as DecodedValueInfo;
}

/** Walks the fields of one message from `reader.pos` to `end`, calling `onField` for each tag. */
function walk(
  reader: protobuf.Reader,
  end: number,
  onField: (field: number, wireType: number) => boolean,
): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!onField(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
}

/** The name of a TensorProto (an initializer), skipping its data. */
function tensorName(reader: protobuf.Reader, end: number): string {
  let name = '';
  walk(reader, end, (field, wireType) => {
    if (field !== TENSOR_NAME || wireType !== LENGTH_DELIMITED) return false;
    name = reader.string();
    return true;
  });
  return name;
}

/**
 * Reads the signature of an ONNX ModelProto. Old exporters list initializers among the graph inputs
 * too; those are left out, as onnxruntime does.
 * @throws EngineError `invalid_onnx` (naming `label`) when the bytes are not an ONNX model.
 * @example
 * const { inputs, outputs } = readOnnxIo(await readFile('model.onnx'), 'model.onnx');
 * inputs[0]; // { name: 'input', elemType: 'float32', shape: [1, 3, 1024, 1024] }
 */
export function readOnnxIo(bytes: Uint8Array, label = 'the model'): OnnxIo {
  const inputs: DecodedValueInfo[] = [];
  const outputs: DecodedValueInfo[] = [];
  const initializers = new Set<string>();
  let hasGraph = false;
  try {
    const reader = protobuf.Reader.create(bytes);
    walk(reader, bytes.length, (field, wireType) => {
      if (field !== MODEL_GRAPH || wireType !== LENGTH_DELIMITED) return false;
      hasGraph = true;
      const graphEnd = reader.uint32() + reader.pos;
      walk(reader, graphEnd, (graphField, graphWire) => {
        if (graphWire !== LENGTH_DELIMITED) return false;
        if (graphField === GRAPH_INPUT || graphField === GRAPH_OUTPUT) {
          (graphField === GRAPH_INPUT ? inputs : outputs).push(decodeValueInfo(reader));
          return true;
        }
        if (graphField === GRAPH_INITIALIZER) {
          const end = reader.uint32() + reader.pos;
          initializers.add(tensorName(reader, end));
          return true;
        }
        return false;
      });
      return true;
    });
  } catch (err) {
    throw new EngineError('invalid_onnx', `${label} is not a readable ONNX model: ${errorMessage(err)}`);
  }
  if (!hasGraph || outputs.length === 0) {
    throw new EngineError('invalid_onnx', `${label} is not an ONNX model: it holds no graph with outputs`);
  }
  return {
    inputs: inputs.filter((v) => !initializers.has(v.name ?? '')).map(toIoInfo),
    outputs: outputs.map(toIoInfo),
  };
}
