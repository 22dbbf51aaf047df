/**
 * @module
 * The images LoadImage offers: PNG, JPEG and WebP files anywhere under the input folder, as sorted
 * POSIX paths relative to it (`cats/cat.png`), so a workflow names the same file on every OS.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isInside } from './confined-path';

/** Extensions LoadImage offers (lower case; matched case-insensitively). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

const isImageName = (name: string) => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // a missing or unreadable folder offers nothing rather than failing the whole schema
  }
}

/** Whether a symlink is a file whose target stays inside the folder. */
async function isLinkedFileInside(path: string, realRoot: string): Promise<boolean> {
  try {
    const [target, info] = await Promise.all([realpath(path), stat(path)]);
    return info.isFile() && isInside(realRoot, target);
  } catch {
    return false; // dangling link
  }
}

/**
 * Lists image files under `root`, recursively. Hidden entries (dot-names) are skipped, symlinked
 * files are listed only when they point inside `root` (LoadImage would refuse the others) and
 * symlinked folders are not followed (they could loop).
 * @example
 * await listInputImages(env.dirs.input); // ['cat.png', 'pets/dog.jpg']
 */
export async function listInputImages(root: string): Promise<string[]> {
  const realRoot = await realpath(root).catch(() => undefined);
  if (realRoot === undefined) return [];
  const found: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await entries(dir)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const name = prefix + entry.name;
      if (entry.isDirectory()) await walk(path, `${name}/`);
      else if (!isImageName(entry.name)) continue;
      else if (entry.isFile() || (entry.isSymbolicLink() && (await isLinkedFileInside(path, realRoot)))) {
        found.push(name);
      }
    }
  };
  await walk(realRoot, '');
  return found.sort();
}
