/**
 * @module
 * The checkpoints CheckpointLoaderSimple offers: `.safetensors` and `.ckpt` files anywhere under
 * `models/checkpoints`, and diffusers pipeline folders (a folder holding `model_index.json`, listed as
 * the folder itself), as sorted POSIX paths relative to that folder.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listFolder } from '../files/list-folder';

/** Single-file checkpoint extensions (lower case; matched case-insensitively). */
export const CHECKPOINT_EXTENSIONS: readonly string[] = ['.safetensors', '.ckpt'];

const isCheckpointFile = (name: string) =>
  CHECKPOINT_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

async function isDiffusersFolder(dir: string): Promise<boolean> {
  return stat(join(dir, 'model_index.json')).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Lists checkpoints under `root` (usually `<models>/checkpoints`). Hidden entries are skipped;
 * diffusers folders are listed and not descended into; symlinked folders are not followed (they
 * could loop), symlinked files are listed (the loader resolves and confines them).
 * @example
 * await listCheckpoints(join(env.dirs.models, 'checkpoints')); // ['momaflow-tiny-sd15.safetensors', 'sd15-diffusers']
 */
export function listCheckpoints(root: string): Promise<string[]> {
  return listFolder(root, {
    acceptFile: (entry) => isCheckpointFile(entry.name) && (entry.isFile() || entry.isSymbolicLink()),
    isLeafFolder: isDiffusersFolder,
  });
}
