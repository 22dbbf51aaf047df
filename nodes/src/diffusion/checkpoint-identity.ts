/**
 * @module
 * A content key for a checkpoint without hashing gigabytes: the real path, size and modification time
 * of its file and of the `.yaml` beside it (which sets its shapes), or of every file in a diffusers
 * folder (what ComfyUI keys its model cache on too). Editing or replacing a file changes the key, so
 * cached outputs and graphs of the old weights are never reused for the new ones.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { EngineError, errorMessage } from '@momaflow/engine';

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) found.push(...(await filesUnder(join(dir, entry.name), `${rel}/`)));
    else found.push(rel);
  }
  return found.sort();
}

/** The LDM yaml a loader reads beside a single file (`sd.safetensors` -> `sd.yaml`). */
function yamlBeside(file: string): string {
  return join(dirname(file), `${basename(file, extname(file))}.yaml`);
}

/**
 * sha256 of [real path, and (name, size, mtime) of the file and its yaml, or of each file in the folder].
 * @throws EngineError `checkpoint_not_found` when `path` cannot be read.
 * @example
 * const key = await checkpointIdentity('models/checkpoints/momaflow-tiny-sd15.safetensors');
 */
export async function checkpointIdentity(path: string): Promise<string> {
  try {
    const real = await realpath(path);
    const info = await stat(real);
    const parts: unknown[] = [real];
    if (info.isDirectory()) {
      for (const file of await filesUnder(real)) {
        const s = await stat(join(real, file));
        parts.push([file, s.size, s.mtimeMs]);
      }
    } else {
      parts.push(['', info.size, info.mtimeMs]);
      const yaml = await stat(yamlBeside(path)).catch(() => undefined);
      if (yaml !== undefined) parts.push(['yaml', yaml.size, yaml.mtimeMs]);
    }
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  } catch (cause) {
    throw new EngineError(
      'checkpoint_not_found',
      `cannot read checkpoint '${path}': ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
}
