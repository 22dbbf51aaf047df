/**
 * @module
 * The checkpoints CheckpointLoaderSimple offers: `.safetensors` and `.ckpt` files anywhere under
 * `models/checkpoints`, and diffusers pipeline folders (a folder holding `model_index.json`, listed as
 * the folder itself), as sorted POSIX paths relative to that folder.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Single-file checkpoint extensions (lower case; matched case-insensitively). */
export const CHECKPOINT_EXTENSIONS: readonly string[] = ['.safetensors', '.ckpt'];

const isCheckpointFile = (name: string) =>
  CHECKPOINT_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // a missing folder offers nothing rather than failing the whole schema
  }
}

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
export async function listCheckpoints(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await entries(dir)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const name = prefix + entry.name;
      if (entry.isDirectory()) {
        if (await isDiffusersFolder(path)) found.push(name);
        else await walk(path, `${name}/`);
      } else if (isCheckpointFile(entry.name) && (entry.isFile() || entry.isSymbolicLink())) {
        found.push(name);
      }
    }
  };
  await walk(root, '');
  return found.sort();
}
