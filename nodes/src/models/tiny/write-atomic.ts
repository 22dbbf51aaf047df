/**
 * @module
 * File helpers of the tiny-model makers: whether a file exists, and an atomic write (a temporary
 * sibling renamed over the target), so a reader never sees half a model file.
 */
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { EngineError, errorMessage } from '@momaflow/engine';

/** Whether `path` is an existing file. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Write through a temporary file and rename.
 * @throws EngineError `model_unwritable` naming the file.
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
