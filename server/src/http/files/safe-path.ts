/**
 * @module
 * Confines client-supplied file names and subfolders to a base folder. Names are checked as text
 * first (no separators, no `..`, no control characters), then the resolved path is checked against
 * the base's real path, so a symlink inside the folder cannot lead out of it.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../api-error';

const MAX_NAME_BYTES = 255;
const MAX_DEPTH = 16;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects.
const FORBIDDEN = /[\u0000-\u001f\u007f/\\:*?"<>|]/;

/** A single path segment a client may name: throws `invalid_path` otherwise. */
export function checkName(name: string, what = 'file name'): string {
  if (
    name.length === 0 ||
    Buffer.byteLength(name) > MAX_NAME_BYTES ||
    FORBIDDEN.test(name) ||
    name.startsWith('.') ||
    name.endsWith(' ') ||
    name.endsWith('.')
  ) {
    throw new ApiError('invalid_path', `${what} '${name}' is not allowed`, {
      details: { rule: 'no separators, control characters or leading dots; at most 255 bytes' },
    });
  }
  return name;
}

/** A relative subfolder (`a/b`), checked segment by segment; '' is the folder itself. */
export function checkSubfolder(subfolder: string): string[] {
  if (subfolder === '') return [];
  if (subfolder.includes('\\') || path.isAbsolute(subfolder)) {
    throw new ApiError('invalid_path', `subfolder '${subfolder}' must be relative and use '/'`);
  }
  const segments = subfolder.split('/').filter((s) => s.length > 0);
  if (segments.length > MAX_DEPTH) throw new ApiError('invalid_path', `subfolder '${subfolder}' is too deep`);
  for (const segment of segments) checkName(segment, 'subfolder segment');
  return segments;
}

function isInside(base: string, target: string): boolean {
  const rel = path.relative(base, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function escaped(what: string): ApiError {
  return new ApiError('forbidden_path', `${what} resolves outside its folder`);
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The real path of an existing regular file `subfolder/name` inside `base`.
 * @example
 * const file = await resolveExistingFile(dirs.output, '', 'image_00001_.png');
 */
export async function resolveExistingFile(base: string, subfolder: string, name: string): Promise<string> {
  const candidate = path.join(base, ...checkSubfolder(subfolder), checkName(name));
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new ApiError('not_found', `no file '${name}' in '${subfolder || '.'}'`);
  }
  if (!isInside(await realpath(base), real)) throw escaped(`'${name}'`);
  const info = await lstat(real);
  if (!info.isFile()) throw new ApiError('not_found', `'${name}' is not a file`);
  return real;
}

/**
 * The folder `subfolder` inside `base`, created if missing, after checking that neither it nor any
 * existing ancestor is a symlink leading out of `base`.
 */
export async function ensureFolder(base: string, subfolder: string): Promise<string> {
  const segments = checkSubfolder(subfolder);
  await mkdir(base, { recursive: true });
  const realBase = await realpath(base);
  let current = realBase;
  for (const segment of segments) {
    const next = path.join(current, segment);
    if (!(await exists(next))) await mkdir(next);
    current = await realpath(next);
    if (!isInside(realBase, current)) throw escaped(`subfolder '${subfolder}'`);
  }
  return current;
}

/** Whether `name` in `folder` exists and is a symlink (never written through). */
export async function isSymlink(folder: string, name: string): Promise<boolean> {
  try {
    return (await lstat(path.join(folder, name))).isSymbolicLink();
  } catch {
    return false;
  }
}
