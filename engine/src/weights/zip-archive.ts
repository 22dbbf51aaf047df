/**
 * @module
 * A minimal random-access ZIP reader (PKWARE APPNOTE 6.3, ZIP64 included) for torch.save archives. Only the
 * central directory is read up front; an entry's bytes are then one ranged read, which is what makes torch
 * checkpoints lazy: torch writes its tensor storages STORED (uncompressed). DEFLATE entries are supported
 * too, by inflating the whole entry, for archives that were re-zipped by other tools.
 * Hand-written rather than a dependency because torch needs only this small, read-only subset, and the
 * npm readers (yauzl and kin) are stream-oriented, whereas positional reads are what lazy loading needs.
 */
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { EngineError } from '../errors/engine-error';
import type { ByteSource } from './weight-file';

const inflateRawAsync = promisify(inflateRaw);

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A central directory over 256 MiB would mean millions of entries: no torch file has that. */
const MAX_CENTRAL_DIRECTORY_BYTES = 256 * 1024 * 1024;

/** One file of the archive as its central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = STORED, 8 = DEFLATE. */
  readonly method: 0 | 8;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

function fail(path: string, problem: string): never {
  throw new EngineError('zip_malformed', `${path}: not a readable ZIP archive (${problem})`, { path });
}

/** Reads a little-endian u64 that must fit a JS number: sizes beyond 2^53 are corrupt for any real file. */
function u64(view: DataView, at: number, path: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(path, `64-bit field ${v} is out of range`);
  return Number(v);
}

/** Random access to the entries of a ZIP file; the caller owns (and closes) the byte source. */
export class ZipArchive {
  readonly path: string;
  readonly entries: ReadonlyMap<string, ZipEntry>;
  readonly #src: ByteSource;
  readonly #dataOffsets = new Map<string, Promise<number>>();

  private constructor(src: ByteSource, entries: ReadonlyMap<string, ZipEntry>) {
    this.path = src.path;
    this.#src = src;
    this.entries = entries;
  }

  /**
   * Reads the central directory of an open file.
   * @example
   * const zip = await ZipArchive.open(handleSource(handle, 'model.pt'));
   * const pkl = await zip.read('archive/data.pkl');
   */
  static async open(src: ByteSource): Promise<ZipArchive> {
    const path = src.path;
    const size = await src.size();
    if (size < EOCD_SIZE) fail(path, `file is only ${size} bytes`);
    const tailLength = Math.min(size, EOCD_SIZE + MAX_COMMENT);
    const tailStart = size - tailLength;
    const tail = await src.read(tailStart, tailLength);
    const tv = new DataView(tail.buffer);
    let eocd = -1;
    for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
      if (tv.getUint32(i, true) === EOCD_SIG && i + EOCD_SIZE + tv.getUint16(i + 20, true) === tailLength) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) fail(path, 'no end-of-central-directory record');
    let count = tv.getUint16(eocd + 10, true);
    let cdSize = tv.getUint32(eocd + 12, true);
    let cdOffset = tv.getUint32(eocd + 16, true);
    if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tv.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) fail(path, 'ZIP64 locator missing');
      const z64At = u64(tv, loc + 8, path);
      if (z64At + 56 > size) fail(path, 'ZIP64 end record out of range');
      const z64 = new DataView((await src.read(z64At, 56)).buffer);
      if (z64.getUint32(0, true) !== ZIP64_EOCD_SIG) fail(path, 'bad ZIP64 end record signature');
      count = u64(z64, 32, path);
      cdSize = u64(z64, 40, path);
      cdOffset = u64(z64, 48, path);
    }
    if (cdSize > MAX_CENTRAL_DIRECTORY_BYTES || cdOffset + cdSize > size) {
      fail(path, `central directory [${cdOffset}, ${cdOffset + cdSize}) is out of range`);
    }
    const cd = await src.read(cdOffset, cdSize);
    return new ZipArchive(src, parseCentralDirectory(cd, count, size, path));
  }

  /** The whole (decompressed) content of an entry. */
  async read(name: string): Promise<Uint8Array> {
    const e = this.#entry(name);
    const start = await this.#dataOffset(e);
    const raw = await this.#src.read(start, e.compressedSize);
    if (e.method === 0) return raw;
    let out: Uint8Array;
    try {
      out = await inflateRawAsync(raw, { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw new EngineError(
        'zip_malformed',
        `${this.path}: entry '${name}' does not inflate (${String(err)})`,
        {
          path: this.path,
          entry: name,
        },
      );
    }
    if (out.length !== e.size)
      fail(this.path, `entry '${name}' inflates to ${out.length} bytes, not ${e.size}`);
    return out;
  }

  /** Bytes [start, start + length) of an entry's content; a single positional read for STORED entries. */
  async readSlice(name: string, start: number, length: number): Promise<Uint8Array> {
    const e = this.#entry(name);
    if (start < 0 || length < 0 || start + length > e.size) {
      fail(this.path, `range [${start}, ${start + length}) is outside entry '${name}' of ${e.size} bytes`);
    }
    if (e.method === 8) return (await this.read(name)).subarray(start, start + length);
    return this.#src.read((await this.#dataOffset(e)) + start, length);
  }

  #entry(name: string): ZipEntry {
    const e = this.entries.get(name);
    if (!e)
      throw new EngineError('zip_entry_missing', `${this.path}: archive has no entry '${name}'`, {
        path: this.path,
        entry: name,
      });
    return e;
  }

  /** The local header may carry a different extra field than the central one (torch pads it), so read it. */
  #dataOffset(e: ZipEntry): Promise<number> {
    let p = this.#dataOffsets.get(e.name);
    if (!p) {
      p = (async () => {
        const h = new DataView((await this.#src.read(e.localHeaderOffset, 30)).buffer);
        if (h.getUint32(0, true) !== LOCAL_SIG) fail(this.path, `bad local header for '${e.name}'`);
        return e.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
      })();
      this.#dataOffsets.set(e.name, p);
      // Forget failures: a transient read error must not poison later reads of the entry.
      p.catch(() => this.#dataOffsets.delete(e.name));
    }
    return p;
  }
}

function parseCentralDirectory(
  cd: Uint8Array,
  count: number,
  fileSize: number,
  path: string,
): Map<string, ZipEntry> {
  const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || v.getUint32(at, true) !== CENTRAL_SIG)
      fail(path, `central directory entry ${i} is corrupt`);
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    let compressedSize = v.getUint32(at + 20, true);
    let size = v.getUint32(at + 24, true);
    const nameLen = v.getUint16(at + 28, true);
    const extraLen = v.getUint16(at + 30, true);
    const commentLen = v.getUint16(at + 32, true);
    let localHeaderOffset = v.getUint32(at + 42, true);
    const end = at + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) fail(path, `central directory entry ${i} runs past the directory`);
    const name = decoder.decode(cd.subarray(at + 46, at + 46 + nameLen));
    // ZIP64 extended information: each field is present only when its 32-bit slot is saturated.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen; ) {
      const id = v.getUint16(x, true);
      const len = v.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        const take = (): number => {
          if (f + 8 > x + 4 + len) fail(path, `ZIP64 extra field of '${name}' is too short`);
          const n = u64(v, f, path);
          f += 8;
          return n;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      x += 4 + len;
    }
    if ((flags & 1) !== 0) fail(path, `entry '${name}' is encrypted`);
    if (method !== 0 && method !== 8)
      fail(path, `entry '${name}' uses unsupported compression method ${method}`);
    if (method === 0 && compressedSize !== size) fail(path, `stored entry '${name}' has inconsistent sizes`);
    if (localHeaderOffset + 30 + compressedSize > fileSize)
      fail(path, `entry '${name}' runs past the end of the file`);
    entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
    at = end;
  }
  return entries;
}
