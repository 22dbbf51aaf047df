/**
 * @module
 * The external-data files an ONNX model file names, read from the file's structure alone: the walk
 * reads each field's tag and length and seeks past the rest, so a self-contained model's inline
 * weights (hundreds of MB for a text encoder or VAE) are never read. The session cache sizes every
 * new session this way, just before onnxruntime reads the same file in full.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { EngineError, errorMessage } from '../errors/engine-error';

// Field numbers from onnx/onnx.in.proto (see onnx-schema.ts).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Bytes read at a time: a tag and a length, or a short string, fit many times over. */
const WINDOW = 64 * 1024;

/** A file read at any position through one reused window. */
class FileWindow {
  readonly #file: FileHandle;
  readonly size: number;
  readonly #buffer = Buffer.alloc(WINDOW);
  #start = 0;
  #end = 0;

  constructor(file: FileHandle, size: number) {
    this.#file = file;
    this.size = size;
  }

  async byte(pos: number): Promise<number> {
    if (pos < this.#start || pos >= this.#end) {
      const { bytesRead } = await this.#file.read(this.#buffer, 0, WINDOW, pos);
      if (bytesRead === 0) throw new Error(`a field runs past the end of the file (byte ${pos})`);
      this.#start = pos;
      this.#end = pos + bytesRead;
    }
    return this.#buffer[pos - this.#start]!;
  }

  async text(pos: number, length: number): Promise<string> {
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await this.#file.read(bytes, 0, length, pos);
    if (bytesRead !== length) throw new Error(`a string runs past the end of the file (byte ${pos})`);
    return bytes.toString('utf8');
  }
}

/** The varint at `pos` and the position after it. */
async function varint(w: FileWindow, pos: number): Promise<[value: number, next: number]> {
  let value = 0;
  for (let shift = 0, at = pos; shift < 64; shift += 7) {
    const byte = await w.byte(at++);
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
  }
  throw new Error(`a varint at byte ${pos} is longer than 10 bytes`);
}

/**
 * Calls `onField` with the number, start and length of each length-delimited field of the message in
 * [start, end), skipping the other wire types.
 */
async function lengthDelimitedFields(
  w: FileWindow,
  start: number,
  end: number,
  onField: (field: number, at: number, length: number) => Promise<void>,
): Promise<void> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = await varint(w, pos);
    const wireType = tag & 7;
    if (wireType === WIRE_VARINT) pos = (await varint(w, afterTag))[1];
    else if (wireType === WIRE_FIXED64) pos = afterTag + 8;
    else if (wireType === WIRE_FIXED32) pos = afterTag + 4;
    else if (wireType === WIRE_LENGTH_DELIMITED) {
      const [length, at] = await varint(w, afterTag);
      if (at + length > end) throw new Error(`field ${tag >>> 3} at byte ${pos} runs past its message`);
      await onField(tag >>> 3, at, length);
      pos = at + length;
    } else throw new Error(`wire type ${wireType} at byte ${pos} is not one ONNX uses`);
  }
  if (pos > end) throw new Error(`the last field runs past its message (byte ${end})`);
}

/** The `location` value of one StringStringEntryProto, or `undefined` for other keys. */
async function locationOf(w: FileWindow, start: number, length: number): Promise<string | undefined> {
  let key = '';
  let value = '';
  await lengthDelimitedFields(w, start, start + length, async (field, at, size) => {
    if (field === ENTRY_KEY) key = await w.text(at, size);
    else if (field === ENTRY_VALUE) value = await w.text(at, size);
  });
  return key === 'location' ? value : undefined;
}

/**
 * The external-data files the initializers of the model at `path` name (relative to it), each once.
 * @throws EngineError `invalid_onnx` naming the file when it is not an ONNX model; the file system's
 *   error when it cannot be opened.
 * @example
 * await readExternalDataFiles('temp/graphs/<hash>/model.onnx'); // ['model.onnx.data']
 */
export async function readExternalDataFiles(path: string): Promise<string[]> {
  const files = new Set<string>();
  const file = await open(path, 'r');
  try {
    const w = new FileWindow(file, (await file.stat()).size);
    await lengthDelimitedFields(w, 0, w.size, async (field, graph, graphLength) => {
      if (field !== MODEL_GRAPH) return;
      await lengthDelimitedFields(w, graph, graph + graphLength, async (graphField, tensor, tensorLength) => {
        if (graphField !== GRAPH_INITIALIZER) return;
        await lengthDelimitedFields(
          w,
          tensor,
          tensor + tensorLength,
          async (tensorField, entry, entryLength) => {
            if (tensorField !== TENSOR_EXTERNAL_DATA) return;
            const location = await locationOf(w, entry, entryLength);
            if (location !== undefined) files.add(location);
          },
        );
      });
    });
  } catch (err) {
    throw new EngineError('invalid_onnx', `${path} is not a readable ONNX model: ${errorMessage(err)}`, {
      path,
    });
  } finally {
    await file.close();
  }
  return [...files];
}
