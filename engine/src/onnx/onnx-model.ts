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
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];

  #hash: string | undefined;

  private constructor(
    bytes: Uint8Array,
    data: { external: OnnxExternalData | null; streamed: StreamedExternalData | null },
    io: { inputs: readonly string[]; outputs: readonly string[] },
  ) {
    this.bytes = bytes;
    this.externalData = data.external;
    this.streamedData = data.streamed;
    this.inputNames = Object.freeze([...io.inputs]);
    this.outputNames = Object.freeze([...io.outputs]);
  }

  /** Wrap the parts. */
  static create(options: {
    bytes: Uint8Array;
    externalData: OnnxExternalData | null;
    streamedData?: StreamedExternalData | null;
    inputs: readonly string[];
    outputs: readonly string[];
  }): OnnxModel {
    const data = { external: options.externalData, streamed: options.streamedData ?? null };
    return new OnnxModel(options.bytes, data, options);
  }

  /**
   * Lowercase hex sha256 of `bytes` followed by the external data (or the streamed file's sha256),
   * computed on first use: a caller that keys the model otherwise (the UNet graph cache) never pays
   * for hashing its 4 GB (about 4 s).
   */
  get hash(): string {
    if (this.#hash === undefined) {
      const h = createHash('sha256').update(this.bytes);
      for (const chunk of this.externalData?.chunks ?? []) h.update(chunk);
      if (this.streamedData !== null) h.update(this.streamedData.sha256);
      this.#hash = h.digest('hex');
    }
    return this.#hash;
  }

  /** Whether the model can be loaded from `bytes` alone (no side file). */
  get isSelfContained(): boolean {
    return this.externalData === null && this.streamedData === null;
  }
}
