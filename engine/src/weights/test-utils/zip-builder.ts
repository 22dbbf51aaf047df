/**
 * @module
 * Builds small ZIP archives in memory for tests, in the layouts that matter to the reader: STORED entries
 * with padded local extra fields (as torch writes them), DEFLATE entries, and ZIP64 records.
 */
import { memoryZipSink, ZipWriter, type ZipWriterOptions } from '../zip-writer';

/** One file to put in the archive. */
export interface ZipFileSpec {
  readonly name: string;
  readonly data: Uint8Array;
  readonly deflate?: boolean;
  /** Bytes of padding in the local header's extra field (torch aligns storages to 64 bytes this way). */
  readonly localPadding?: number;
}

/** Layout options for the whole archive. */
export type ZipBuildOptions = ZipWriterOptions;

/**
 * Serialises a ZIP archive.
 * @example
 * const bytes = buildZip([{ name: 'a/data.pkl', data: pkl }], { zip64: true });
 */
export function buildZip(files: readonly ZipFileSpec[], options: ZipBuildOptions = {}): Uint8Array {
  const sink = memoryZipSink();
  const zip = new ZipWriter(sink, options);
  for (const f of files)
    zip.add(f.name, f.data, { deflate: f.deflate ?? false, localPadding: f.localPadding ?? 0 });
  zip.finish();
  return sink.bytes();
}
