/**
 * @module
 * Writes a graph's large initializers straight to its external-data file while the graph is being
 * built, so a multi-gigabyte model (a quantized LLaMA) never sits in memory as a whole: each weight
 * is read, converted, written and dropped. Tensors start at 4 KiB-aligned offsets (the ONNX
 * recommendation, which lets onnxruntime map them), the bytes go to a temporary file renamed on
 * `finish`, and a running sha256 gives the model its content hash without reading the file back.
 */
import { createHash, type Hash, randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { EngineError, errorMessage } from '../errors/engine-error';
import type { DType, Tensor } from '../tensor/tensor';

const ALIGNMENT = 4096;
const ZEROS = new Uint8Array(ALIGNMENT);

/** Where one initializer's bytes are in the external-data file. */
export interface ExternalTensorRef {
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

/** The finished file: what `OnnxModel.streamedData` records. */
export interface StreamedExternalData {
  /** Absolute path of the data file. */
  readonly path: string;
  /** File name relative to the model file. */
  readonly location: string;
  readonly byteLength: number;
  /** Lowercase hex sha256 of the file's bytes. */
  readonly sha256: string;
}

/** Options of `ExternalDataWriter.open`. */
export interface ExternalDataWriterOptions {
  /** File name beside the model. Default `'model.onnx.data'`. */
  readonly location?: string;
  /** Initializers of at least this many bytes are written out. Default 1024. */
  readonly threshold?: number;
}

type WriterStatus = 'open' | 'finished' | 'aborted';

/**
 * @example
 * const data = ExternalDataWriter.open(dir);
 * const b = OnnxBuilder.create({ externalData: data });
 * // ... b.initializer(...) writes big tensors to dir/model.onnx.data as they come
 * await writeModel(b.build(), dir);
 */
export class ExternalDataWriter {
  readonly path: string;
  readonly location: string;
  readonly threshold: number;
  readonly #tmp: string;
  readonly #fd: number;
  readonly #hash: Hash = createHash('sha256');
  #offset = 0;
  #status: WriterStatus = 'open';

  private constructor(path: string, threshold: number, tmp: string, fd: number) {
    this.path = path;
    this.location = basename(path);
    this.threshold = threshold;
    this.#tmp = tmp;
    this.#fd = fd;
  }

  /** Create `dir` if needed and start `<dir>/<location>` (written under a temporary name). */
  static open(dir: string, options: ExternalDataWriterOptions = {}): ExternalDataWriter {
    const location = options.location ?? 'model.onnx.data';
    if (location === '' || location !== basename(location) || location.startsWith('.')) {
      throw new EngineError('invalid_name', `'location' must be a plain file name, got '${location}'`);
    }
    const threshold = options.threshold ?? 1024;
    if (!Number.isInteger(threshold) || threshold < 1) {
      throw new EngineError('invalid_option', `'threshold' must be a positive integer, got ${threshold}`);
    }
    const path = join(dir, location);
    const tmp = `${path}.tmp-${randomUUID()}`;
    try {
      mkdirSync(dirname(path), { recursive: true });
      return new ExternalDataWriter(path, threshold, tmp, openSync(tmp, 'w'));
    } catch (cause) {
      throw new EngineError(
        'model_write_failed',
        `cannot create '${tmp}': ${errorMessage(cause)}`,
        { dir },
        { cause },
      );
    }
  }

  /** Bytes written so far (padding included). */
  get byteLength(): number {
    return this.#offset;
  }

  /** Whether `tensor` belongs in the file rather than inline. */
  accepts(tensor: Tensor<DType>): boolean {
    return this.#status === 'open' && tensor.byteLength >= this.threshold;
  }

  /** Append one tensor's little-endian bytes at the next aligned offset. */
  write(tensor: Tensor<DType>): ExternalTensorRef {
    this.#assertOpen();
    const pad = (ALIGNMENT - (this.#offset % ALIGNMENT)) % ALIGNMENT;
    if (pad > 0) this.#append(ZEROS.subarray(0, pad));
    const offset = this.#offset;
    const d = tensor.data;
    this.#append(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    return { location: this.location, offset, length: d.byteLength };
  }

  /** Close the file and move it to its final name. */
  finish(): StreamedExternalData {
    this.#assertOpen();
    this.#status = 'finished';
    try {
      closeSync(this.#fd);
      renameSync(this.#tmp, this.path);
    } catch (cause) {
      rmSync(this.#tmp, { force: true });
      throw new EngineError(
        'model_write_failed',
        `cannot finish '${this.path}': ${errorMessage(cause)}`,
        {},
        { cause },
      );
    }
    return {
      path: this.path,
      location: this.location,
      byteLength: this.#offset,
      sha256: this.#hash.digest('hex'),
    };
  }

  /** Close and delete the partial file (a failed or cancelled build). Idempotent. */
  abort(): void {
    if (this.#status !== 'open') return;
    this.#status = 'aborted';
    try {
      closeSync(this.#fd);
    } finally {
      rmSync(this.#tmp, { force: true });
    }
  }

  #append(bytes: Uint8Array): void {
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.#fd, bytes, done, bytes.length - done);
    } catch (cause) {
      throw new EngineError(
        'model_write_failed',
        `cannot write '${this.#tmp}': ${errorMessage(cause)}`,
        {},
        { cause },
      );
    }
    this.#hash.update(bytes);
    this.#offset += bytes.length;
  }

  #assertOpen(): void {
    if (this.#status !== 'open') {
      throw new EngineError('external_data_closed', `external data file '${this.path}' is ${this.#status}`);
    }
  }
}
