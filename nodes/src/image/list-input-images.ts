/**
 * @module
 * The images LoadImage offers: PNG, JPEG and WebP files anywhere under the input folder, as sorted
 * POSIX paths relative to it (`cats/cat.png`), so a workflow names the same file on every OS.
 */
import { realpath, stat } from 'node:fs/promises';
import { listFolder } from '../files/list-folder';
import { isInside } from './confined-path';

/** Extensions LoadImage offers (lower case; matched case-insensitively). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp'];

const isImageName = (name: string) => IMAGE_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

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
  return listFolder(realRoot, {
    acceptFile: async (entry, path) =>
      isImageName(entry.name) &&
      (entry.isFile() || (entry.isSymbolicLink() && (await isLinkedFileInside(path, realRoot)))),
  });
}
