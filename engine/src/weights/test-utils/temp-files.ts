/**
 * @module
 * A per-test-file temporary directory (created before, removed after the file's tests) with helpers to
 * drop byte blobs into it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Paths inside the directory; valid once the file's `beforeAll` hooks have run. */
export interface TempFiles {
  readonly dir: () => string;
  /** A fresh unique path with the given extension (nothing is written). */
  readonly path: (ext?: string) => string;
  /** Writes `bytes` to a fresh path and returns it. */
  readonly file: (bytes: Uint8Array, ext?: string) => Promise<string>;
}

/** Registers the directory's lifecycle hooks in the calling test file. */
export function useTempFiles(prefix: string): TempFiles {
  let dir = '';
  let counter = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `momaflow-${prefix}-`));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const path = (ext = ''): string => join(dir, `f${counter++}${ext}`);
  return {
    dir: () => dir,
    path,
    file: async (bytes, ext = '.pt') => {
      const p = path(ext);
      await writeFile(p, bytes);
      return p;
    },
  };
}

/** The bytes of a typed array (a view, not a copy). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
