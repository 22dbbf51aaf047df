/**
 * @module
 * Lazy safetensors reader: opening reads and validates only the header; each `read` is one positional
 * read of that tensor's bytes, so a multi-gigabyte checkpoint costs only the tensors actually used.
 */
import type { FileHandle } from 'node:fs/promises';
import { EngineError } from '../errors/engine-error';
import { shapeSize, Tensor } from '../tensor';
import { decodeFloat32, decodeInt64 } from './dtype-codec';
import type { SafetensorsEntry, SafetensorsHeader } from './safetensors-header';
import { parseSafetensorsHeader, parseSafetensorsHeaderLength } from './safetensors-header';
import { openWeightFile, readRange } from './weight-file';
import type { TensorInfo, WeightReader, WeightTensor } from './weight-reader';

/**
 * A `WeightReader` over one safetensors file; create it with `openSafetensors`.
 * @example
 * const r = await openSafetensors('unet.safetensors');
 * r.metadata.format; // 'pt'
 */
export class SafetensorsReader implements WeightReader {
  readonly path: string;
  /** The `__metadata__` map of the header (empty when absent). */
  readonly metadata: Readonly<Record<string, string>>;
  readonly #header: SafetensorsHeader;
  readonly #keys: string[];
  #handle: FileHandle | undefined;

  private constructor(path: string, handle: FileHandle, header: SafetensorsHeader) {
    this.path = path;
    this.#handle = handle;
    this.#header = header;
    this.metadata = header.metadata;
    this.#keys = [...header.entries.keys()].sort();
  }

  /** Opens and validates a file; the handle is closed again if validation fails. */
  static async open(path: string): Promise<SafetensorsReader> {
    const handle = await openWeightFile(path);
    try {
      const { size } = await handle.stat();
      const prefix = await readRange(handle, 0, Math.min(8, size), path);
      const n = parseSafetensorsHeaderLength(prefix, size, path);
      const json = await readRange(handle, 8, n, path);
      return new SafetensorsReader(path, handle, parseSafetensorsHeader(json, size, path));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  keys(): string[] {
    return [...this.#keys];
  }

  has(name: string): boolean {
    return this.#header.entries.has(name);
  }

  info(name: string): TensorInfo | undefined {
    const e = this.#header.entries.get(name);
    return e && { name: e.name, dtype: e.dtype, shape: e.shape };
  }

  async read(name: string): Promise<WeightTensor> {
    const e = this.#entry(name);
    const bytes = await this.#bytes(e);
    const count = shapeSize(e.shape);
    switch (e.dtype) {
      case 'F32':
      case 'F16':
      case 'BF16':
      case 'F64':
        return new Tensor('float32', e.shape, decodeFloat32(e.dtype, bytes, count));
      case 'I64':
      case 'I32':
      case 'U8':
      case 'BOOL':
        return new Tensor('int64', e.shape, decodeInt64(e.dtype, bytes, count));
    }
  }

  async readFloat32(name: string): Promise<Tensor<'float32'>> {
    const t = await this.read(name);
    if (t.dtype !== 'float32') {
      const dtype = this.#entry(name).dtype;
      throw new EngineError(
        'weight_not_float',
        `${this.path}: tensor '${name}' is ${dtype}, not a floating type`,
        {
          path: this.path,
          tensor: name,
          dtype,
        },
      );
    }
    return t as Tensor<'float32'>;
  }

  async close(): Promise<void> {
    const h = this.#handle;
    this.#handle = undefined;
    await h?.close();
  }

  #entry(name: string): SafetensorsEntry {
    const e = this.#header.entries.get(name);
    if (!e) {
      throw new EngineError('weight_not_found', `${this.path}: no tensor named '${name}'`, {
        path: this.path,
        tensor: name,
      });
    }
    return e;
  }

  async #bytes(e: SafetensorsEntry): Promise<Uint8Array> {
    if (!this.#handle) {
      throw new EngineError('weight_reader_closed', `${this.path}: reader is closed (reading '${e.name}')`, {
        path: this.path,
      });
    }
    return readRange(this.#handle, this.#header.dataStart + e.begin, e.end - e.begin, this.path);
  }
}

/**
 * Opens a safetensors file for lazy reads. Rejects with an `EngineError` (`safetensors_truncated`,
 * `safetensors_bad_header`, `safetensors_unknown_dtype`, `safetensors_offset_out_of_range`,
 * `safetensors_bad_offsets`, `safetensors_header_too_large`, `weight_file_unreadable`) naming the file.
 * @example
 * const w = await openSafetensors('../shared/fixtures/vectors.safetensors');
 * const ids = await w.read('text.input_ids'); // Tensor<'int64'>
 * await w.close();
 */
export function openSafetensors(path: string): Promise<SafetensorsReader> {
  return SafetensorsReader.open(path);
}
