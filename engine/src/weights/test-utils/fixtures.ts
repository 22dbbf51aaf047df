/**
 * @module
 * Where the shared reference fixtures live: `$MOMAFLOW_FIXTURES`, else `../shared/fixtures` next to the
 * repository. Tests read them in place; they are never copied into the repository.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Absolute path of a fixture file; throws if the fixture directory is missing so tests fail loudly. */
export function fixturePath(relative: string): string {
  const dir = resolve(REPO_ROOT, process.env.MOMAFLOW_FIXTURES ?? '../shared/fixtures');
  if (!existsSync(dir)) throw new Error(`fixture directory ${dir} not found (set MOMAFLOW_FIXTURES)`);
  return resolve(dir, relative);
}
