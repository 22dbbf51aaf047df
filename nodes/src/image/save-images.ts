/**
 * @module
 * Writing an IMAGE batch as numbered PNGs, with ComfyUI's naming: `<prefix>_<counter:05>_.png`, the
 * counter continuing after the highest existing file with that prefix. Files are created with the
 * `wx` flag and the next counter is tried on EEXIST, so two saves running at once (two prompts, two
 * SaveImage nodes, two processes) never overwrite each other's files.
 */
import { type FileHandle, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError, type FileRef, type Tensor } from '@momaflow/engine';
import { ensureFolderInside, hasErrnoCode, safeSegments } from './confined-path';
import { encodePng } from './encode-png';

export interface SaveImagesOptions {
  readonly images: Tensor<'float32'>;
  /** The folder files must stay in (`env.dirs.output` or `env.dirs.temp`). */
  readonly root: string;
  /** File name prefix, optionally with subfolders: `portraits/cat`. */
  readonly prefix: string;
  readonly type: FileRef['type'];
  readonly text?: Readonly<Record<string, string>>;
  readonly compressionLevel?: number;
  /** Prefix of error messages about the prefix (e.g. `SaveImage input 'filename_prefix'`). */
  readonly label: string;
  readonly signal?: AbortSignal;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One past the highest counter among `<base>_<digits>_...` files in `dir` (1 when there is none). */
async function nextCounter(dir: string, base: string): Promise<number> {
  const pattern = new RegExp(`^${escapeRegExp(base)}_(\\d+)_`);
  let highest = 0;
  for (const name of await readdir(dir)) {
    const digits = pattern.exec(name)?.[1];
    if (digits !== undefined) highest = Math.max(highest, Number(digits));
  }
  return highest + 1;
}

const fileName = (base: string, counter: number) => `${base}_${String(counter).padStart(5, '0')}_.png`;

/** Writes `bytes` under the first free counter from `counter` on; returns the counter used. */
async function writeExclusive(
  dir: string,
  base: string,
  counter: number,
  bytes: Uint8Array,
): Promise<number> {
  for (let n = counter; ; n++) {
    const path = join(dir, fileName(base, n));
    let handle: FileHandle;
    try {
      handle = await open(path, 'wx');
    } catch (err) {
      if (hasErrnoCode(err, 'EEXIST')) continue;
      throw err;
    }
    try {
      await handle.writeFile(bytes);
    } catch (err) {
      // A half-written PNG under a valid name would later look like a corrupt result.
      await handle.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw err;
    }
    await handle.close();
    return n;
  }
}

/**
 * Saves every image of the batch and returns their references in ComfyUI's `ui.images` shape.
 * Throws EngineError `invalid_path` / `path_outside_folder` for a prefix that would leave `root`.
 * @example
 * const refs = await saveImages({ images, root: env.dirs.output, prefix: 'portraits/cat',
 *   type: 'output', label: "SaveImage input 'filename_prefix'" });
 */
export async function saveImages(options: SaveImagesOptions): Promise<FileRef[]> {
  const segments = safeSegments(options.prefix, options.label);
  const base = segments.pop();
  if (base === undefined) {
    throw new EngineError('invalid_path', `${options.label}: the file name prefix is empty`, {
      path: options.prefix,
    });
  }
  const dir = await ensureFolderInside(options.root, segments, options.label);
  const subfolder = segments.join('/');
  const refs: FileRef[] = [];
  let counter = await nextCounter(dir, base);
  for (let index = 0; index < (options.images.shape[0] ?? 0); index++) {
    options.signal?.throwIfAborted();
    const png = await encodePng(options.images, {
      index,
      ...(options.text ? { text: options.text } : {}),
      ...(options.compressionLevel !== undefined ? { compressionLevel: options.compressionLevel } : {}),
    });
    const used = await writeExclusive(dir, base, counter, png);
    refs.push({ filename: fileName(base, used), subfolder, type: options.type });
    counter = used + 1;
  }
  return refs;
}
