/**
 * @module
 * Where the shared reference fixtures live: `$MOMAFLOW_FIXTURES`, else `../shared/fixtures` beside the
 * repository root. Tests read them in place; they are never copied into the repository.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSafetensors, type SafetensorsReader } from '../weights';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of the fixture folder; throws when it is missing so tests fail loudly. */
export function fixturesDir(): string {
  const dir = resolve(REPO_ROOT, process.env.MOMAFLOW_FIXTURES ?? '../shared/fixtures');
  if (!existsSync(dir)) throw new Error(`fixture directory ${dir} not found (set MOMAFLOW_FIXTURES)`);
  return dir;
}

/** Absolute path of a fixture file or folder. */
export function fixturePath(...parts: string[]): string {
  return join(fixturesDir(), ...parts);
}

/** Opens `vectors.safetensors`; close it after use. */
export function openVectors(): Promise<SafetensorsReader> {
  return openSafetensors(fixturePath('vectors.safetensors'));
}
