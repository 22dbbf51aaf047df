/**
 * @module
 * File writing for the tiny model makers: atomic writes (a reader never sees half a file) and the
 * "is it there already" check behind `--if-absent`.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { EngineError, errorMessage } from '@momaflow/engine';

/** Whether `path` is an existing file. */
export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Write through a temporary file and rename.
 * @example
 * await writeAtomic('models/checkpoints/x.yaml', text);
 */
export async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (cause) {
    await rm(tmp, { force: true });
    throw new EngineError(
      'model_unwritable',
      `cannot write ${path}: ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
}
