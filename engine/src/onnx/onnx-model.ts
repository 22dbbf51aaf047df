/**
 * @module
 * A serialized model: the ModelProto bytes, the external-data file contents when initializers were
 * moved out of the protobuf (which cannot exceed 2 GiB), and a content hash over both, so a built graph
 * can be cached on disk and sessions can be shared by content.
 */
import { createHash } from 'node:crypto';
import type { StreamedExternalData } from './external-data-writer';

/** Initializer bytes stored beside the model file, as a list of chunks (weights are not copied). */
export interface OnnxExternalData {
  /** File name relative to the model file, as written in each tensor's `external_data.location`. */
  readonly location: string;
  readonly byteLength: number;
  /** Concatenated in order, these are the file's bytes (alignment padding included). */
  readonly chunks: readonly Uint8Array[];
}

/**
 * The result of `OnnxBuilder.build()`.
 * @example
 * const model = b.build();
 * const session = await cache.acquire({ model });
 * const key = model.hash; // sha256 of the bytes and the external data
 */
export class OnnxModel {
  /** The ModelProto wire bytes. */
  readonly bytes: Uint8Array;
  /** Side-file data, or `null` when every initializer is inline. */
  readonly externalData: OnnxExternalData | null;
  /** The side file an `ExternalDataWriter` already wrote while the graph was built, or `null`. */
  readonly streamedData: StreamedExternalData | null;
  /** Lowercase hex sha256 of `bytes` followed by the external data (or the streamed file's sha256). */
  readonly hash: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  private constructor(
    bytes: Uint8Array,
    data: { external: OnnxExternalData | null; streamed: StreamedExternalData | null },
    hash: string,
    io: { inputs: readonly string[]; outputs: readonly string[] },
  ) {
    this.bytes = bytes;
    this.externalData = data.external;
    this.streamedData = data.streamed;
    this.hash = hash;
    this.inputNames = Object.freeze([...io.inputs]);
    this.outputNames = Object.freeze([...io.outputs]);
  }

  /** Hash the parts and wrap them. */
  static create(options: {
    bytes: Uint8Array;
    externalData: OnnxExternalData | null;
    streamedData?: StreamedExternalData | null;
    inputs: readonly string[];
    outputs: readonly string[];
  }): OnnxModel {
    const streamed = options.streamedData ?? null;
    const h = createHash('sha256').update(options.bytes);
    for (const chunk of options.externalData?.chunks ?? []) h.update(chunk);
    if (streamed !== null) h.update(streamed.sha256);
    const data = { external: options.externalData, streamed };
    return new OnnxModel(options.bytes, data, h.digest('hex'), options);
  }

  /** Whether the model can be loaded from `bytes` alone (no side file). */
  get isSelfContained(): boolean {
    return this.externalData === null && this.streamedData === null;
  }
}
