/**
 * @module
 * Strict validation of a safetensors header (https://github.com/huggingface/safetensors#format): an
 * 8-byte little-endian length, then that many bytes of UTF-8 JSON mapping each tensor name to its dtype,
 * shape and `[begin, end)` offsets into the data section, plus an optional `__metadata__` string map.
 * Every rule the reference implementation enforces is checked here, so a reader never seeks outside the
 * file or decodes a buffer of the wrong size.
 */
import { z } from 'zod';
import { dict } from '../dictionary/dictionary';
import { zDict } from '../dictionary/z-dict';
import { EngineError } from '../errors/engine-error';
import { DTYPE_BYTES, isWeightDType } from './dtype-codec';
import type { WeightDType } from './weight-reader';

/** The reference implementation refuses headers over 100 MB; so do we, before allocating anything. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

const zSafetensorsEntry = z.strictObject({
  dtype: z.string(),
  shape: z.array(z.int().nonnegative()),
  data_offsets: z.tuple([z.int().nonnegative(), z.int().nonnegative()]),
});
const zSafetensorsMetadata = zDict(z.string());

/** One validated tensor entry; `begin`/`end` are relative to the start of the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: WeightDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** A validated header. `dataStart` is the absolute file offset of the data section. */
export interface SafetensorsHeader {
  readonly entries: ReadonlyMap<string, SafetensorsEntry>;
  readonly metadata: Readonly<Record<string, string>>;
  readonly dataStart: number;
}

function fail(code: string, path: string, problem: string, details?: Record<string, unknown>): never {
  throw new EngineError(code, `${path}: ${problem}`, { path, ...details });
}

/**
 * Validates the 8-byte length prefix against the file size and returns the header length.
 * @example
 * const n = parseSafetensorsHeaderLength(first8Bytes, fileSize, 'a.safetensors');
 */
export function parseSafetensorsHeaderLength(prefix: Uint8Array, fileSize: number, path: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    fail('safetensors_truncated', path, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    fail(
      'safetensors_header_too_large',
      path,
      `header length ${n} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`,
    );
  }
  if (n > BigInt(fileSize - 8)) {
    fail(
      'safetensors_truncated',
      path,
      `header length ${n} runs past the end of the file (${fileSize} bytes)`,
    );
  }
  if (n < 2n) fail('safetensors_bad_header', path, `header length ${n} is too short for a JSON object`);
  return Number(n);
}

function checkedByteSize(name: string, dtype: WeightDType, shape: readonly number[], path: string): number {
  let n = DTYPE_BYTES[dtype];
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n))
      fail('safetensors_bad_offsets', path, `tensor '${name}' shape [${shape}] is too large`);
  }
  return n;
}

function parseEntry(name: string, raw: unknown, path: string): SafetensorsEntry {
  const parsed = zSafetensorsEntry.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || 'entry'}: ${issue.message}` : 'invalid entry';
    fail('safetensors_bad_header', path, `tensor '${name}' has an invalid header entry (${where})`, {
      tensor: name,
    });
  }
  const {
    dtype,
    shape,
    data_offsets: [begin, end],
  } = parsed.data;
  if (!isWeightDType(dtype)) {
    fail('safetensors_unknown_dtype', path, `tensor '${name}' has unknown or unsupported dtype '${dtype}'`, {
      tensor: name,
      dtype,
    });
  }
  if (begin > end)
    fail('safetensors_bad_offsets', path, `tensor '${name}' data_offsets [${begin}, ${end}] are reversed`);
  const bytes = checkedByteSize(name, dtype, shape, path);
  if (end - begin !== bytes) {
    fail(
      'safetensors_bad_offsets',
      path,
      `tensor '${name}' spans ${end - begin} bytes but ${dtype} [${shape.join(', ')}] needs ${bytes}`,
      { tensor: name },
    );
  }
  return { name, dtype, shape, begin, end };
}

/** Rejects overlaps and holes: the format requires the data section to be indexed entirely. */
function checkLayout(entries: readonly SafetensorsEntry[], dataSize: number, path: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const e of sorted) {
    if (e.end > dataSize) {
      fail(
        'safetensors_offset_out_of_range',
        path,
        `tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] run past the data section (${dataSize} bytes): the file is truncated or its header is corrupt`,
        { tensor: e.name },
      );
    }
    if (e.begin < cursor)
      fail(
        'safetensors_bad_offsets',
        path,
        `tensor '${e.name}' overlaps the previous tensor at byte ${e.begin}`,
      );
    if (e.begin > cursor)
      fail(
        'safetensors_bad_offsets',
        path,
        `bytes [${cursor}, ${e.begin}) of the data section belong to no tensor`,
      );
    cursor = e.end;
  }
  if (cursor !== dataSize) {
    fail(
      'safetensors_bad_offsets',
      path,
      `data section is ${dataSize} bytes but the tensors cover only ${cursor}`,
    );
  }
}

/**
 * Parses and validates header JSON bytes. `fileSize` bounds the data section.
 * @example
 * const header = parseSafetensorsHeader(jsonBytes, fileSize, 'model.safetensors');
 * header.entries.get('conv_in.weight')?.shape;
 */
export function parseSafetensorsHeader(json: Uint8Array, fileSize: number, path: string): SafetensorsHeader {
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    fail(
      'safetensors_bad_header',
      path,
      `header is not valid UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  // Checked by hand rather than with a zod schema: each entry is parsed into a Map as it is read.
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    fail('safetensors_bad_header', path, 'header is not a JSON object');
  }
  let metadata: Record<string, string> = dict();
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, raw] of Object.entries(root as Record<string, unknown>)) {
    if (name === '__metadata__') {
      const meta = zSafetensorsMetadata.safeParse(raw);
      if (!meta.success) fail('safetensors_bad_header', path, '__metadata__ must map strings to strings');
      metadata = meta.data;
      continue;
    }
    entries.set(name, parseEntry(name, raw, path));
  }
  const dataStart = 8 + json.length;
  checkLayout([...entries.values()], fileSize - dataStart, path);
  return { entries, metadata, dataStart };
}
