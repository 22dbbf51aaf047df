/**
 * @module
 * OnnxGraphSnapshot -> ModelProto bytes. Deterministic: the same snapshot always yields the same bytes
 * (fields in field-number order, attributes sorted by name, no timestamps), which is what lets a
 * content hash key caches. Large initializers can be moved to an external-data side file, laid out
 * at 4 KiB-aligned offsets as the ONNX spec recommends for mmap.
 */
import { endianness } from 'node:os';
import { EngineError } from '../errors/engine-error';
import type { DType, Tensor } from '../tensor/tensor';
import { encodeAttribute } from './attributes';
import { ONNX_DTYPES } from './dtypes';
import type { StreamedExternalData } from './external-data-writer';
import type { OnnxExternalInitializerRecord, OnnxGraphSnapshot, OnnxValueInfo } from './graph-snapshot';
import { OnnxModel } from './onnx-model';
import { DATA_LOCATION_EXTERNAL, MODEL_PROTO } from './onnx-schema';
import type { ModelProtoObject, TensorProtoObject, ValueInfoProtoObject } from './proto-objects';

/** Options of `OnnxBuilder.build`. */
export interface OnnxBuildOptions {
  /**
   * Initializers of at least this many bytes go to the external-data file. Default: none, unless the
   * inline model would pass the protobuf limit, in which case every initializer of 1 KiB or more.
   */
  readonly externalDataThreshold?: number;
  /** Side-file name relative to the model file. Default `'model.onnx.data'`. */
  readonly externalDataLocation?: string;
  /** `metadata_props` entries (sorted by key when written). */
  readonly metadata?: Readonly<Record<string, string>>;
}

const PRODUCER = { name: 'momaflow', version: '0.1.0' };
/** Protobuf messages cannot exceed 2 GiB; keep a margin for the graph itself. */
const INLINE_LIMIT = 2 ** 31 - 2 ** 26;
const AUTO_EXTERNAL_THRESHOLD = 1024;
const EXTERNAL_ALIGNMENT = 4096;

/** ONNX IR version that goes with each default-domain opset (onnx/onnx docs/Versioning.md). */
const IR_VERSION_BY_OPSET: Readonly<Record<number, number>> = {
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
  22: 10,
  23: 11,
};

function rawBytes(t: Tensor<DType>): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function inlineTensor(name: string, t: Tensor<DType>): TensorProtoObject {
  return { name, dims: [...t.shape], data_type: ONNX_DTYPES[t.dtype].code, raw_data: rawBytes(t) };
}

function streamedTensor(r: OnnxExternalInitializerRecord): TensorProtoObject {
  return {
    name: r.name,
    dims: [...r.shape],
    data_type: ONNX_DTYPES[r.dtype].code,
    external_data: [
      { key: 'location', value: r.ref.location },
      { key: 'offset', value: String(r.ref.offset) },
      { key: 'length', value: String(r.ref.length) },
    ],
    data_location: DATA_LOCATION_EXTERNAL,
  };
}

function valueInfoProto(v: OnnxValueInfo): ValueInfoProtoObject {
  const elem_type = ONNX_DTYPES[v.dtype].code;
  if (v.shape === undefined) return { name: v.name, type: { tensor_type: { elem_type } } };
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name: v.name, type: { tensor_type: { elem_type, shape: { dim } } } };
}

function checkLocation(location: string): void {
  if (location === '' || location.includes('/') || location.includes('\\') || location.startsWith('.')) {
    throw new EngineError(
      'invalid_name',
      `'externalDataLocation' must be a plain file name beside the model, got '${location}'`,
    );
  }
}

function chooseThreshold(snapshot: OnnxGraphSnapshot, options: OnnxBuildOptions): number {
  if (options.externalDataThreshold !== undefined) {
    const t = options.externalDataThreshold;
    if (!Number.isInteger(t) || t < 0) {
      throw new EngineError('invalid_option', `'externalDataThreshold' must be an integer >= 0, got ${t}`);
    }
    return t;
  }
  const total = snapshot.initializers.reduce((n, i) => n + i.tensor.byteLength, 0);
  return total > INLINE_LIMIT ? AUTO_EXTERNAL_THRESHOLD : Number.POSITIVE_INFINITY;
}

/**
 * Encode `snapshot` as an ONNX model (see `OnnxBuildOptions` for external data). `streamed` is the
 * finished file its `externalInitializers` were written to, if any.
 */
export function encodeModel(
  snapshot: OnnxGraphSnapshot,
  options: OnnxBuildOptions = {},
  streamed: StreamedExternalData | null = null,
): OnnxModel {
  if (endianness() !== 'LE') {
    // raw_data must be little-endian and we write typed-array memory as is.
    throw new EngineError('unsupported_platform', 'ONNX encoding needs a little-endian host');
  }
  const irVersion = IR_VERSION_BY_OPSET[snapshot.opset];
  if (irVersion === undefined) {
    throw new EngineError('invalid_opset', `no IR version is known for opset ${snapshot.opset}`);
  }
  const location = options.externalDataLocation ?? 'model.onnx.data';
  checkLocation(location);
  // With streamed weights, what the writer left behind is small and stays inline.
  const threshold = streamed === null ? chooseThreshold(snapshot, options) : Number.POSITIVE_INFINITY;

  const chunks: Uint8Array[] = [];
  let offset = 0;
  let inlineBytes = 0;
  const initializer = snapshot.initializers.map(({ name, tensor }): TensorProtoObject => {
    if (tensor.byteLength < threshold || tensor.byteLength === 0) {
      inlineBytes += tensor.byteLength;
      return inlineTensor(name, tensor);
    }
    const pad = (EXTERNAL_ALIGNMENT - (offset % EXTERNAL_ALIGNMENT)) % EXTERNAL_ALIGNMENT;
    if (pad > 0) chunks.push(new Uint8Array(pad));
    offset += pad;
    chunks.push(rawBytes(tensor));
    const entry: TensorProtoObject = {
      name,
      dims: [...tensor.shape],
      data_type: ONNX_DTYPES[tensor.dtype].code,
      external_data: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(tensor.byteLength) },
      ],
      data_location: DATA_LOCATION_EXTERNAL,
    };
    offset += tensor.byteLength;
    return entry;
  });
  if (inlineBytes > INLINE_LIMIT) {
    throw new EngineError(
      'model_too_large',
      `inline initializers take ${inlineBytes} bytes, over the protobuf limit ${INLINE_LIMIT}; lower 'externalDataThreshold'`,
    );
  }

  const model: ModelProtoObject = {
    ir_version: irVersion,
    opset_import: [
      { domain: '', version: snapshot.opset },
      ...Object.entries(snapshot.domains).map(([domain, version]) => ({ domain, version })),
    ],
    producer_name: PRODUCER.name,
    producer_version: PRODUCER.version,
    graph: {
      name: snapshot.name,
      node: snapshot.nodes.map((n) => ({
        input: [...n.inputs],
        output: [...n.outputs],
        name: n.name,
        op_type: n.opType,
        ...(n.domain === '' ? {} : { domain: n.domain }),
        attribute: Object.keys(n.attrs)
          .sort()
          .flatMap((key) => {
            const value = n.attrs[key];
            return value === undefined ? [] : [encodeAttribute(key, value, (t) => inlineTensor('', t))];
          }),
      })),
      initializer: [...initializer, ...snapshot.externalInitializers.map(streamedTensor)],
      input: snapshot.inputs.map(valueInfoProto),
      output: snapshot.outputs.map(valueInfoProto),
    },
    ...(options.metadata === undefined
      ? {}
      : {
          metadata_props: Object.keys(options.metadata)
            .sort()
            .map((key) => ({ key, value: options.metadata?.[key] ?? '' })),
        }),
  };
  const bytes = MODEL_PROTO.encode(model).finish();
  return OnnxModel.create({
    bytes,
    externalData: chunks.length === 0 ? null : { location, byteLength: offset, chunks },
    streamedData: streamed,
    inputs: snapshot.inputs.map((i) => i.name),
    outputs: snapshot.outputs.map((o) => o.name),
  });
}
