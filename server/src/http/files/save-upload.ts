/**
 * @module
 * Writes an uploaded file into an already confined folder. Without `overwrite`, an existing name gets
 * ComfyUI's ` (1)` suffix (unless it holds the same bytes, which are reused); files are created
 * exclusively, so a symlink planted at the name is never written through. With `overwrite`, the
 * file is written beside it and renamed over it, which replaces a link rather than its target.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../api-error';
import { IMAGE_EXTENSIONS, type ImageFormat } from './image-check';
import { isSymlink } from './safe-path';

const MAX_SUFFIX = 1000;
const ACCEPTED_EXTENSIONS: Readonly<Record<ImageFormat, readonly string[]>> = {
  png: ['.png'],
  jpeg: ['.jpg', '.jpeg'],
  webp: ['.webp'],
};

/** `name` with an extension that matches the decoded format (a JPEG named `x.png` becomes `x.jpg`). */
export function withImageExtension(name: string, format: ImageFormat): string {
  const ext = path.extname(name);
  if (ACCEPTED_EXTENSIONS[format].includes(ext.toLowerCase())) return name;
  return `${name.slice(0, name.length - ext.length)}${IMAGE_EXTENSIONS[format]}`;
}

async function sameContent(file: string, bytes: Uint8Array): Promise<boolean> {
  try {
    const existing = await readFile(file);
    return Buffer.compare(existing, bytes) === 0;
  } catch {
    return false;
  }
}

/**
 * @example
 * const name = await saveUpload({ folder, name: 'photo.png', bytes, overwrite: false });
 */
export async function saveUpload(options: {
  folder: string;
  name: string;
  bytes: Uint8Array;
  overwrite: boolean;
}): Promise<string> {
  const { folder, name, bytes } = options;
  if (options.overwrite) {
    if (await isSymlink(folder, name)) throw new ApiError('forbidden_path', `'${name}' is a symbolic link`);
    const temp = path.join(folder, `.upload-${randomUUID()}`);
    await writeFile(temp, bytes, { flag: 'wx' });
    try {
      await rename(temp, path.join(folder, name));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return name;
  }
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let i = 0; i < MAX_SUFFIX; i++) {
    const candidate = i === 0 ? name : `${stem} (${i})${ext}`;
    const file = path.join(folder, candidate);
    try {
      await writeFile(file, bytes, { flag: 'wx' });
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!(await isSymlink(folder, candidate)) && (await sameContent(file, bytes))) return candidate;
    }
  }
  throw new ApiError('conflict', `too many files named like '${name}'`);
}
