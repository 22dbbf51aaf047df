/**
 * @module
 * Reads the text chunks (tEXt, zTXt, iTXt) of a PNG without decoding pixels, in the browser: the
 * workflow SaveImage embeds lives there. Malformed chunks are skipped, as libpng does.
 */

import { dict } from '@momaflow/engine/protocol';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const LATIN1 = new TextDecoder('latin1');
const UTF8 = new TextDecoder('utf-8');
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

async function inflate(data: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    const stream = new Blob([data as Uint8Array<ArrayBuffer>])
      .stream()
      .pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    return undefined;
  }
}

/** tEXt is latin-1 by the spec, but writers (sharp, ComfyUI) put UTF-8 there too. */
function latin1OrUtf8(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return LATIN1.decode(bytes);
  }
}

async function chunkText(type: string, data: Uint8Array): Promise<readonly [string, string] | undefined> {
  const nul = data.indexOf(0);
  if (nul < 1) return undefined;
  const keyword = LATIN1.decode(data.subarray(0, nul));
  switch (type) {
    case 'tEXt':
      return [keyword, latin1OrUtf8(data.subarray(nul + 1))];
    case 'zTXt': {
      const text = data[nul + 1] === 0 ? await inflate(data.subarray(nul + 2)) : undefined;
      return text ? [keyword, latin1OrUtf8(text)] : undefined;
    }
    case 'iTXt': {
      const compressed = data[nul + 1] === 1;
      const language = data.indexOf(0, nul + 3);
      const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
      if (translated < 0) return undefined;
      const body = data.subarray(translated + 1);
      const text = compressed ? await inflate(body) : body;
      return text ? [keyword, UTF8.decode(text)] : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * @example
 * const text = await readPngText(new Uint8Array(await file.arrayBuffer()));
 * text.workflow // the JSON SaveImage embedded
 */
export async function readPngText(bytes: Uint8Array): Promise<Record<string, string>> {
  const result = dict<string>();
  if (!isPng(bytes)) return result;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = SIGNATURE.length; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = LATIN1.decode(bytes.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > bytes.length || type === 'IEND') break;
    const entry = await chunkText(type, bytes.subarray(at + 8, at + 8 + length));
    if (entry && !Object.hasOwn(result, entry[0])) result[entry[0]] = entry[1];
    at = end;
  }
  return result;
}
