/**
 * @module
 * The builder's graph as plain read-only data: what the encoder serializes and what tests and hooks
 * inspect. Nodes are in creation order, which is a topological order because a node can only take
 * values that already exist.
 */
import type { DType, Tensor } from '../tensor/tensor';
import type { OnnxAttrs } from './attributes';
import type { ExternalTensorRef } from './external-data-writer';
import type { Dim } from './value';

/** One operator application. `''` in `inputs` marks an omitted optional input. */
export interface OnnxNodeRecord {
  readonly name: string;
  readonly opType: string;
  /** `''` for the default ONNX domain, `'com.microsoft'` for contrib ops. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: OnnxAttrs;
}

/** A named constant stored with the model. */
export interface OnnxInitializerRecord {
  readonly name: string;
  readonly tensor: Tensor<DType>;
}

/** A named constant whose bytes an `ExternalDataWriter` already wrote to the external-data file. */
export interface OnnxExternalInitializerRecord {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly ref: ExternalTensorRef;
}

/** A graph input or output with its declared dtype and (for outputs, optional) dims. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[] | undefined;
}

/** Everything needed to serialize one model. */
export interface OnnxGraphSnapshot {
  readonly name: string;
  readonly opset: number;
  /** Opset versions of non-default domains used by the nodes, e.g. `{ 'com.microsoft': 1 }`. */
  readonly domains: Readonly<Record<string, number>>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: readonly OnnxInitializerRecord[];
  /** Initializers streamed to the external-data file while building (see `OnnxBuilderOptions.externalData`). */
  readonly externalInitializers: readonly OnnxExternalInitializerRecord[];
  readonly nodes: readonly OnnxNodeRecord[];
}
