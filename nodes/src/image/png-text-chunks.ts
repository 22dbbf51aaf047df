/**
 * @module
 * PNG text chunks (tEXt, zTXt, iTXt), written and read without decoding pixels. SaveImage embeds the
 * prompt and the workflow this way, exactly where ComfyUI puts them (keys `prompt` and `workflow`), so
 * a saved PNG dropped on either editor restores its graph. sharp can read text chunks but not write
 * them, hence this module.
 * Format: https://www.w3.org/TR/png-3/#11textinfo
 */
import { crc32, inflateSync } from 'node:zlib';
import { EngineError } from '@momaflow/engine';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Decompressed text larger than this is dropped: an uploaded PNG must not inflate into gigabytes. */
const MAX_INFLATED_TEXT = 64 * 1024 * 1024;

interface Chunk {
  readonly type: string;
  /** Offset of the chunk's length field. */
  readonly start: number;
  readonly data: Buffer;
  readonly crcOk: boolean;
}

/** True when the bytes start with the PNG signature. */
export function isPng(png: Uint8Array): boolean {
  return png.length >= SIGNATURE.length && SIGNATURE.equals(png.subarray(0, SIGNATURE.length));
}

/** Walks the chunks in order; stops quietly at a truncated tail (what was read stays usable). */
function* chunks(png: Buffer): Generator<Chunk> {
  let offset = SIGNATURE.length;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > png.length) return;
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    const crcOk = crc32(typeAndData) === png.readUInt32BE(offset + 8 + length);
    const type = png.toString('latin1', offset + 4, offset + 8);
    yield { type, start: offset, data: png.subarray(offset + 8, offset + 8 + length), crcOk };
    if (type === 'IEND') return;
    offset = end;
  }
}

function makeChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const isAscii = (text: string): boolean => /^\p{ASCII}*$/u.test(text);

function checkKeyword(keyword: string): void {
  // PNG keywords: 1-79 printable latin-1 characters, no leading, trailing or doubled spaces.
  const printable = [...keyword].every((c) => {
    const code = c.codePointAt(0)!;
    return (code >= 0x20 && code <= 0x7e) || (code >= 0xa1 && code <= 0xff);
  });
  if (!printable || keyword.length < 1 || keyword.length > 79 || /^ | $| {2}/.test(keyword)) {
    throw new EngineError(
      'invalid_png_text',
      `PNG text keyword '${keyword}' must be 1-79 printable latin-1 characters without leading, trailing or double spaces`,
      { keyword },
    );
  }
}

/**
 * tEXt for ASCII text (what ComfyUI's ASCII-only `json.dumps` produces), else uncompressed UTF-8 iTXt.
 * tEXt is latin-1 by the spec, but libvips (so sharp) and ComfyUI's browser reader decode it as UTF-8,
 * so non-ASCII latin-1 in tEXt would come back garbled there.
 */
function textChunk(keyword: string, text: string): Buffer {
  checkKeyword(keyword);
  if (text.includes('\0')) {
    throw new EngineError('invalid_png_text', `PNG text '${keyword}' contains a NUL character`, { keyword });
  }
  const key = Buffer.from(keyword, 'latin1');
  if (isAscii(text)) {
    return makeChunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(text, 'latin1')]));
  }
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0.
  return makeChunk('iTXt', Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * tEXt/zTXt bytes: latin-1 by the spec, but some writers put UTF-8 there. Non-ASCII bytes that form
 * valid UTF-8 are read as UTF-8; real latin-1 text almost never does ('é' alone is an invalid sequence).
 */
function latin1OrUtf8(bytes: Buffer): string {
  if (isAscii(bytes.toString('latin1'))) return bytes.toString('latin1');
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function inflateText(data: Buffer): Buffer | undefined {
  try {
    return inflateSync(data, { maxOutputLength: MAX_INFLATED_TEXT });
  } catch {
    return undefined;
  }
}

/** One text chunk's keyword and text, or undefined for a malformed chunk (skipped, as libpng does). */
function parseText(chunk: Chunk): readonly [string, string] | undefined {
  const { data } = chunk;
  const nul = data.indexOf(0);
  if (nul < 1) return undefined;
  const keyword = data.toString('latin1', 0, nul);
  switch (chunk.type) {
    case 'tEXt':
      return [keyword, latin1OrUtf8(data.subarray(nul + 1))];
    case 'zTXt': {
      const text = data[nul + 1] === 0 ? inflateText(data.subarray(nul + 2)) : undefined;
      return text ? [keyword, latin1OrUtf8(text)] : undefined;
    }
    case 'iTXt': {
      const compressed = data[nul + 1] === 1;
      if (compressed && data[nul + 2] !== 0) return undefined;
      const language = data.indexOf(0, nul + 3);
      const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
      if (translated < 0) return undefined;
      const body = data.subarray(translated + 1);
      const text = compressed ? inflateText(body) : body;
      return text ? [keyword, text.toString('utf8')] : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Adds text chunks and returns the new PNG (the input is not modified). ASCII text goes into tEXt, other
 * text into UTF-8 iTXt. The chunks go before the first IDAT, where PIL (so ComfyUI) puts them:
 * libvips, hence sharp, and other readers that stop at the image data ignore text placed after it.
 * @example
 * const png = insertPngText(await encodePng(image), { prompt: JSON.stringify(prompt) });
 */
export function insertPngText(png: Uint8Array, entries: Readonly<Record<string, string>>): Buffer {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!isPng(bytes)) throw new EngineError('invalid_png', 'cannot add text: the data is not a PNG');
  let idat: Chunk | undefined;
  let iend: Chunk | undefined;
  for (const chunk of chunks(bytes)) {
    if (chunk.type === 'IDAT') idat ??= chunk;
    if (chunk.type === 'IEND') iend = chunk;
  }
  if (!iend) throw new EngineError('invalid_png', 'cannot add text: the PNG has no IEND chunk (truncated?)');
  const at = (idat ?? iend).start;
  const added = Object.entries(entries).map(([key, text]) => textChunk(key, text));
  return Buffer.concat([bytes.subarray(0, at), ...added, bytes.subarray(at)]);
}

/**
 * Every text chunk (tEXt, zTXt, iTXt) of a PNG as keyword -> text; a later chunk with the same keyword
 * wins, as in PIL. Chunks with a bad CRC or a malformed body are skipped and a truncated tail is
 * ignored, so a damaged file still gives up what it holds. Throws `invalid_png` when the data does not
 * start with the PNG signature.
 * @example
 * const { workflow } = readPngText(await readFile('momaflow_00001_.png'));
 * if (workflow) restore(JSON.parse(workflow));
 */
export function readPngText(png: Uint8Array): Record<string, string> {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!isPng(bytes)) throw new EngineError('invalid_png', 'the data is not a PNG (bad signature)');
  const texts = new Map<string, string>();
  for (const chunk of chunks(bytes)) {
    if (!chunk.crcOk) continue;
    const entry = parseText(chunk);
    if (entry) texts.set(entry[0], entry[1]);
  }
  return Object.fromEntries(texts);
}
