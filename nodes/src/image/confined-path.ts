/**
 * @module
 * Paths that must stay inside one folder (the input folder for LoadImage, the output folder for
 * SaveImage). Names come from prompts, which may come from anyone who can reach the server, so a name
 * is checked twice: lexically (no absolute paths, no `..`) and after resolving symlinks (a link inside
 * the folder must not lead out of it).
 */
import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { EngineError } from '@momaflow/engine';

/**
 * Whether `path` is `root` or lies below it (both absolute, symlinks already resolved).
 * @example
 * isInside('/data/input', '/data/input/cats/a.png'); // true
 */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = Reflect.get(err, 'code');
  return typeof code === 'string' ? code : undefined;
}

/**
 * The name's segments when it is a safe relative path (`/` or `\` separated, no `..`, not absolute),
 * else an EngineError `invalid_path` whose message starts with `label`.
 * @example
 * safeSegments('portraits/cat', "SaveImage input 'filename_prefix'"); // ['portraits', 'cat']
 * safeSegments('../x', 'label'); // throws invalid_path
 */
export function safeSegments(name: string, label: string): string[] {
  const fail = (why: string) => new EngineError('invalid_path', `${label}: '${name}' ${why}`, { path: name });
  if (name.includes('\0')) throw fail('contains a NUL character');
  // Drive letters and UNC paths count as absolute too, so a workflow made on Windows cannot escape.
  if (isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.startsWith('\\')) {
    throw fail('is an absolute path; give a path relative to the folder');
  }
  const segments = name.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw fail("contains '..'; paths must stay inside the folder");
  return segments;
}

/** Realpath of a path that must exist, with ENOENT turned into a `file_not_found` EngineError. */
async function realpathOf(path: string, label: string, shown: string, folder: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EngineError('file_not_found', `${label}: file '${shown}' not found in ${folder}`, {
        path: shown,
      });
    }
    throw new EngineError('file_unreadable', `${label}: cannot access '${shown}': ${String(err)}`, {
      path: shown,
    });
  }
}

/**
 * Resolves `name` to the real path of an existing file inside `root`. Throws EngineError
 * `invalid_path` (absolute, `..`), `file_not_found`, or `path_outside_folder` (a symlink leads out).
 * @example
 * const file = await resolveExistingInside(env.dirs.input, 'cats/cat.png', "LoadImage input 'image'");
 */
export async function resolveExistingInside(root: string, name: string, label: string): Promise<string> {
  const segments = safeSegments(name, label);
  if (segments.length === 0) throw new EngineError('invalid_path', `${label}: no file name given`);
  const realRoot = await realpath(root).catch(() => {
    throw new EngineError('file_not_found', `${label}: the folder ${root} does not exist`, { path: root });
  });
  const real = await realpathOf(resolve(realRoot, ...segments), label, name, root);
  if (!isInside(realRoot, real)) {
    throw new EngineError(
      'path_outside_folder',
      `${label}: '${name}' resolves (through a symlink) to ${real}, outside ${root}`,
      { path: name },
    );
  }
  return real;
}

/**
 * Creates (when needed) the folder `segments` inside `root` and returns its real path, refusing a
 * subfolder that leads out of `root` through a symlink. The deepest existing ancestor is checked
 * before anything is created, so nothing is created outside `root` either.
 * @example
 * const dir = await ensureFolderInside(env.dirs.output, ['portraits'], "SaveImage input 'filename_prefix'");
 */
export async function ensureFolderInside(
  root: string,
  segments: readonly string[],
  label: string,
): Promise<string> {
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const outside = (path: string) =>
    new EngineError(
      'path_outside_folder',
      `${label}: subfolder '${segments.join('/')}' resolves (through a symlink) to ${path}, outside ${root}`,
      { path: segments.join('/') },
    );
  for (let depth = segments.length; depth > 0; depth--) {
    const existing = await realpath(resolve(realRoot, ...segments.slice(0, depth))).catch(() => undefined);
    if (existing === undefined) continue;
    if (!isInside(realRoot, existing)) throw outside(existing);
    break;
  }
  const target = resolve(realRoot, ...segments);
  await mkdir(target, { recursive: true });
  const real = await realpath(target);
  if (!isInside(realRoot, real)) throw outside(real);
  return real;
}

/**
 * Whether an errno-style error has the given code (`EEXIST`, `ENOENT`...).
 * @example
 * if (hasErrnoCode(err, 'EEXIST')) counter++;
 */
export function hasErrnoCode(err: unknown, code: string): boolean {
  return errnoCode(err) === code;
}
