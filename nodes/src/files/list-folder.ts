/**
 * @module
 * The walk behind the combo lists of loader nodes (checkpoints, input images): entries under a
 * folder as sorted POSIX paths relative to it, so a workflow names the same file on every OS.
 * Hidden entries (dot-names) are skipped, a missing or unreadable folder lists nothing, and
 * symlinked folders are never followed (they could loop); which files count is the caller's call.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What `listFolder` lists. */
export interface FolderListing {
  /** Whether a file entry (or a symlink, not followed) is listed; `path` is absolute. */
  readonly acceptFile: (entry: Dirent, path: string) => boolean | Promise<boolean>;
  /** A folder listed as one entry rather than descended into. Default: none. */
  readonly isLeafFolder?: (path: string) => Promise<boolean>;
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch {
    return []; // a missing folder offers nothing rather than failing the whole schema
  }
}

/**
 * @example
 * await listFolder(root, { acceptFile: (e) => e.name.endsWith('.png') }); // ['cat.png', 'pets/dog.png']
 */
export async function listFolder(root: string, o: FolderListing): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const entry of await entries(dir)) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const name = prefix + entry.name;
      if (entry.isDirectory()) {
        if (await o.isLeafFolder?.(path)) found.push(name);
        else await walk(path, `${name}/`);
      } else if (await o.acceptFile(entry, path)) {
        found.push(name);
      }
    }
  };
  await walk(root, '');
  return found.sort();
}
