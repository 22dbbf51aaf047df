/**
 * @module
 * Opening weight files and exact positional reads: `FileHandle.read` may return fewer bytes than asked,
 * and a weight file that ends early must surface as a typed error, not as a tensor padded with zeros.
 */

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { EngineError } from '../errors/engine-error';

/**
 * Reads exactly `length` bytes at `position`, or rejects with `weight_file_truncated` naming the file.
 * @example
 * const lenBytes = await readRange(handle, 0, 8, 'model.safetensors');
 */
export async function readRange(
  handle: FileHandle,
  position: number,
  length: number,
  path: string,
): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new EngineError(
        'weight_file_truncated',
        `${path}: file ends at byte ${position + done}, but ${length} bytes were expected from byte ${position}`,
        { path, position, length },
      );
    }
    done += bytesRead;
  }
  return out;
}

function describe(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Opens a weight file read-only, or rejects with `weight_file_unreadable` naming the file and the OS error.
 * @example
 * const handle = await openWeightFile('model.safetensors');
 */
export async function openWeightFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    throw new EngineError(
      'weight_file_unreadable',
      `${path}: cannot open weight file (${describe(err)})`,
      { path },
      {
        cause: err,
      },
    );
  }
}

/**
 * Runs `use` on a freshly opened file, closing it even when `use` throws.
 * @example
 * const size = await withWeightFile(path, async (h) => (await h.stat()).size);
 */
export async function withWeightFile<T>(path: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await openWeightFile(path);
  try {
    return await use(handle);
  } finally {
    await handle.close();
  }
}

/** Positional reads over a file, however it is kept open. */
export interface ByteSource {
  readonly path: string;
  size(): Promise<number>;
  /** Exactly `length` bytes at `position` (rejects with `weight_file_truncated`). */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * A source over one open handle, closed by `close()`; reads after that reject with `weight_reader_closed`.
 * @example
 * const src = handleSource(await openWeightFile(path), path);
 */
export function handleSource(handle: FileHandle, path: string): ByteSource {
  let h: FileHandle | undefined = handle;
  const live = (): FileHandle => {
    if (!h) throw new EngineError('weight_reader_closed', `${path}: reader is closed`, { path });
    return h;
  };
  return {
    path,
    size: async () => (await live().stat()).size,
    // async arrows so a closed source rejects instead of throwing synchronously.
    read: async (position, length) => readRange(live(), position, length, path),
    close: async () => {
      const last = h;
      h = undefined;
      await last?.close();
    },
  };
}

/**
 * A source that opens the file for each read and closes it right after, so values that outlive any
 * reader (the lazy handles of `readTorchPickle`) never leak a file descriptor.
 * @example
 * const bytes = await reopeningSource(path).read(0, 8);
 */
export function reopeningSource(path: string): ByteSource {
  return {
    path,
    size: () => withWeightFile(path, async (h) => (await h.stat()).size),
    read: (position, length) => withWeightFile(path, (h) => readRange(h, position, length, path)),
    close: async () => {},
  };
}
