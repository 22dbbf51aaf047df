/**
 * @module
 * A streaming ZIP writer (PKWARE APPNOTE 6.3) for torch.save archives: entries are written one after
 * another to a sink, so a multi-gigabyte checkpoint shard never sits in memory; only the central
 * directory is kept until `finish`. Entries are STORED (what torch writes) or DEFLATE; a storage can
 * be aligned (torch pads each to 64 bytes with an `FB` extra field) and ZIP64 records are used as
 * soon as an offset passes 4 GiB. Single entries must stay under 4 GiB (no tensor of ours does).
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import { EngineError, errorMessage } from '../errors/engine-error';

/** Where the archive's bytes go, in order. */
export interface ZipSink {
  write(bytes: Uint8Array): void;
}

/** Options of one entry. */
export interface ZipEntryOptions {
  readonly deflate?: boolean;
  /** Start the entry's data at a multiple of this many bytes (torch: 64), padding the local extra field. */
  readonly align?: number;
  /** Exactly this many bytes of padding in the local extra field (tests of the reader). */
  readonly localPadding?: number;
}

/** Options of the whole archive. */
export interface ZipWriterOptions {
  /** Write ZIP64 records even where the sizes fit in 32 bits (tests of the reader). */
  readonly zip64?: boolean;
  readonly comment?: string;
}

interface CentralRecord {
  readonly name: Uint8Array;
  readonly method: 0 | 8;
  readonly crc: number;
  readonly size: number;
  readonly compressedSize: number;
  readonly offset: number;
}

const U32_MAX = 0xffffffff;
const PAD_FIELD_ID = 0x4246; // 'FB', the id torch's writer uses for its alignment padding

function record(size: number, fill: (v: DataView) => void): Uint8Array {
  const b = new Uint8Array(size);
  fill(new DataView(b.buffer));
  return b;
}

/** Bytes of the local extra field: none, or a 4-byte `FB` header plus padding. */
function extraFieldLength(headerEnd: number, o: ZipEntryOptions): number {
  if (o.localPadding !== undefined) return o.localPadding === 0 ? 0 : o.localPadding + 4;
  if (o.align === undefined) return 0;
  const gap = (o.align - (headerEnd % o.align)) % o.align;
  // The field needs 4 bytes of its own; a smaller gap waits one more alignment step.
  return gap > 0 && gap < 4 ? gap + o.align : gap;
}

/**
 * @example
 * const file = fileZipSink('out.bin');
 * const zip = new ZipWriter(file);
 * zip.add('archive/data.pkl', pickle);
 * zip.add('archive/data/0', storage, { align: 64 });
 * zip.finish();
 * file.commit();
 */
export class ZipWriter {
  readonly #sink: ZipSink;
  readonly #options: ZipWriterOptions;
  readonly #central: CentralRecord[] = [];
  readonly #encoder = new TextEncoder();
  #offset = 0;
  #finished = false;

  constructor(sink: ZipSink, options: ZipWriterOptions = {}) {
    this.#sink = sink;
    this.#options = options;
  }

  /** Append one file. */
  add(name: string, data: Uint8Array, o: ZipEntryOptions = {}): void {
    if (this.#finished)
      throw new EngineError('zip_finished', `cannot add '${name}': the archive is finished`);
    const nameBytes = this.#encoder.encode(name);
    const body = o.deflate === true ? new Uint8Array(deflateRawSync(data)) : data;
    if (body.length >= U32_MAX || data.length >= U32_MAX) {
      throw new EngineError(
        'zip_entry_too_large',
        `zip entry '${name}' has ${data.length} bytes; the limit is 4 GiB`,
      );
    }
    const crc = crc32(data);
    const method = o.deflate === true ? 8 : 0;
    const headerEnd = this.#offset + 30 + nameBytes.length;
    const extra = extraFieldLength(headerEnd, o);
    const local = record(30, (v) => {
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(8, method, true);
      v.setUint32(14, crc, true);
      v.setUint32(18, body.length, true);
      v.setUint32(22, data.length, true);
      v.setUint16(26, nameBytes.length, true);
      v.setUint16(28, extra, true);
    });
    this.#central.push({
      name: nameBytes,
      method,
      crc,
      size: data.length,
      compressedSize: body.length,
      offset: this.#offset,
    });
    this.#emit(local);
    this.#emit(nameBytes);
    if (extra > 0) {
      this.#emit(
        record(extra, (v) => {
          v.setUint16(0, PAD_FIELD_ID, true);
          v.setUint16(2, extra - 4, true);
        }),
      );
    }
    this.#emit(body);
  }

  /** Write the central directory and end records. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const forced = this.#options.zip64 === true;
    const cdStart = this.#offset;
    for (const r of this.#central) {
      const big = forced || r.offset >= U32_MAX;
      const z64 = big
        ? record(28, (v) => {
            v.setUint16(0, 0x0001, true);
            v.setUint16(2, 24, true);
            v.setBigUint64(4, BigInt(r.size), true);
            v.setBigUint64(12, BigInt(r.compressedSize), true);
            v.setBigUint64(20, BigInt(r.offset), true);
          })
        : new Uint8Array(0);
      this.#emit(
        record(46, (v) => {
          v.setUint32(0, 0x02014b50, true);
          v.setUint16(4, 45, true);
          v.setUint16(6, big ? 45 : 20, true);
          v.setUint16(10, r.method, true);
          v.setUint32(16, r.crc, true);
          v.setUint32(20, big ? U32_MAX : r.compressedSize, true);
          v.setUint32(24, big ? U32_MAX : r.size, true);
          v.setUint16(28, r.name.length, true);
          v.setUint16(30, z64.length, true);
          v.setUint32(42, big ? U32_MAX : r.offset, true);
        }),
      );
      this.#emit(r.name);
      this.#emit(z64);
    }
    const cdSize = this.#offset - cdStart;
    const count = this.#central.length;
    const zip64 = forced || cdStart >= U32_MAX || count >= 0xffff;
    if (zip64) {
      const eocd64At = this.#offset;
      this.#emit(
        record(56, (v) => {
          v.setUint32(0, 0x06064b50, true);
          v.setBigUint64(4, 44n, true);
          v.setUint16(12, 45, true);
          v.setUint16(14, 45, true);
          v.setBigUint64(24, BigInt(count), true);
          v.setBigUint64(32, BigInt(count), true);
          v.setBigUint64(40, BigInt(cdSize), true);
          v.setBigUint64(48, BigInt(cdStart), true);
        }),
      );
      this.#emit(
        record(20, (v) => {
          v.setUint32(0, 0x07064b50, true);
          v.setBigUint64(8, BigInt(eocd64At), true);
          v.setUint32(16, 1, true);
        }),
      );
    }
    const comment = this.#encoder.encode(this.#options.comment ?? '');
    this.#emit(
      record(22, (v) => {
        v.setUint32(0, 0x06054b50, true);
        v.setUint16(8, zip64 ? 0xffff : count, true);
        v.setUint16(10, zip64 ? 0xffff : count, true);
        v.setUint32(12, zip64 ? U32_MAX : cdSize, true);
        v.setUint32(16, zip64 ? U32_MAX : cdStart, true);
        v.setUint16(20, comment.length, true);
      }),
    );
    this.#emit(comment);
  }

  #emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#sink.write(bytes);
    this.#offset += bytes.length;
  }
}

/** A sink collecting the archive in memory. */
export function memoryZipSink(): ZipSink & { bytes(): Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    write: (bytes) => parts.push(bytes.slice()),
    bytes: () => {
      // A plain Uint8Array over its own buffer (Buffer.concat may hand out a view into a shared pool).
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
  };
}

/**
 * A sink writing to `<path>.tmp-<pid>`: `commit()` renames it to `path` (so a reader never sees half
 * an archive), `abort()` deletes it.
 * @example
 * const file = fileZipSink('models/mllm/x/pytorch_model.bin');
 */
export function fileZipSink(path: string): ZipSink & { commit(): void; abort(): void } {
  const tmp = `${path}.tmp-${process.pid}`;
  const fail = (cause: unknown): never => {
    throw new EngineError(
      'weight_file_unwritable',
      `${path}: cannot write (${errorMessage(cause)})`,
      { path },
      { cause },
    );
  };
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
  } catch (cause) {
    fail(cause);
  }
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return {
    write: (bytes) => {
      if (fd === undefined)
        throw new EngineError('weight_file_unwritable', `${path}: already closed`, { path });
      let done = 0;
      try {
        while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      } catch (cause) {
        fail(cause);
      }
    },
    commit: () => {
      try {
        close();
        renameSync(tmp, path);
      } catch (cause) {
        rmSync(tmp, { force: true });
        fail(cause);
      }
    },
    abort: () => {
      close();
      rmSync(tmp, { force: true });
    },
  };
}
