/**
 * @module
 * Builds small ZIP archives in memory for tests, in the layouts that matter to the reader: STORED entries
 * with padded local extra fields (as torch writes them), DEFLATE entries, and ZIP64 records.
 */
import { crc32, deflateRawSync } from 'node:zlib';

/** One file to put in the archive. */
export interface ZipFileSpec {
  readonly name: string;
  readonly data: Uint8Array;
  readonly deflate?: boolean;
  /** Bytes of padding in the local header's extra field (torch aligns storages to 64 bytes this way). */
  readonly localPadding?: number;
}

/** Layout options for the whole archive. */
export interface ZipBuildOptions {
  /** Write ZIP64 extra fields and end records even though the sizes would fit in 32 bits. */
  readonly zip64?: boolean;
  readonly comment?: string;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function record(size: number, fill: (v: DataView) => void): Uint8Array {
  const b = new Uint8Array(size);
  fill(new DataView(b.buffer));
  return b;
}

/**
 * Serialises a ZIP archive.
 * @example
 * const bytes = buildZip([{ name: 'a/data.pkl', data: pkl }], { zip64: true });
 */
export function buildZip(files: readonly ZipFileSpec[], options: ZipBuildOptions = {}): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const body = f.deflate ? new Uint8Array(deflateRawSync(f.data)) : f.data;
    const crc = crc32(f.data);
    const pad = f.localPadding ?? 0;
    const local = record(30, (v) => {
      v.setUint32(0, 0x04034b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(8, f.deflate ? 8 : 0, true);
      v.setUint32(14, crc, true);
      v.setUint32(18, body.length, true);
      v.setUint32(22, f.data.length, true);
      v.setUint16(26, name.length, true);
      v.setUint16(28, pad === 0 ? 0 : pad + 4, true);
    });
    const padField =
      pad === 0
        ? new Uint8Array(0)
        : record(pad + 4, (v) => {
            v.setUint16(0, 0x4246, true); // 'FB', the id torch's writer uses for its alignment padding
            v.setUint16(2, pad, true);
          });
    locals.push(local, name, padField, body);
    const z64 = options.zip64
      ? record(28, (v) => {
          v.setUint16(0, 0x0001, true);
          v.setUint16(2, 24, true);
          v.setBigUint64(4, BigInt(f.data.length), true);
          v.setBigUint64(12, BigInt(body.length), true);
          v.setBigUint64(20, BigInt(offset), true);
        })
      : new Uint8Array(0);
    const central = record(46, (v) => {
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 45, true);
      v.setUint16(6, 45, true);
      v.setUint16(10, f.deflate ? 8 : 0, true);
      v.setUint32(16, crc, true);
      v.setUint32(20, options.zip64 ? 0xffffffff : body.length, true);
      v.setUint32(24, options.zip64 ? 0xffffffff : f.data.length, true);
      v.setUint16(28, name.length, true);
      v.setUint16(30, z64.length, true);
      v.setUint32(42, options.zip64 ? 0xffffffff : offset, true);
    });
    centrals.push(central, name, z64);
    offset += local.length + name.length + padField.length + body.length;
  }
  const cd = concat(centrals);
  const comment = enc.encode(options.comment ?? '');
  const tail: Uint8Array[] = [];
  if (options.zip64) {
    const eocd64At = offset + cd.length;
    tail.push(
      record(56, (v) => {
        v.setUint32(0, 0x06064b50, true);
        v.setBigUint64(4, 44n, true);
        v.setUint16(12, 45, true);
        v.setUint16(14, 45, true);
        v.setBigUint64(24, BigInt(files.length), true);
        v.setBigUint64(32, BigInt(files.length), true);
        v.setBigUint64(40, BigInt(cd.length), true);
        v.setBigUint64(48, BigInt(offset), true);
      }),
      record(20, (v) => {
        v.setUint32(0, 0x07064b50, true);
        v.setBigUint64(8, BigInt(eocd64At), true);
        v.setUint32(16, 1, true);
      }),
    );
  }
  tail.push(
    record(22, (v) => {
      v.setUint32(0, 0x06054b50, true);
      v.setUint16(8, options.zip64 ? 0xffff : files.length, true);
      v.setUint16(10, options.zip64 ? 0xffff : files.length, true);
      v.setUint32(12, options.zip64 ? 0xffffffff : cd.length, true);
      v.setUint32(16, options.zip64 ? 0xffffffff : offset, true);
      v.setUint16(20, comment.length, true);
    }),
    comment,
  );
  return concat([...locals, cd, ...tail]);
}
