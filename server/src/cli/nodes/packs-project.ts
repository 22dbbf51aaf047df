/**
 * @module
 * The packs folder as an npm project: `<data>/custom_nodes/package.json` (with `@momaflow/pack-api`
 * as a local dependency, so packs that declare it as a peer get this momaflow's copy and npm never
 * looks for it in a registry), its lockfile and `node_modules/`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePackApiBuilt } from '@momaflow/pack-api/build';
import { z } from 'zod';

const zProjectManifest = z.looseObject({
  dependencies: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
});

/** The npm package dependencies of the packs project, as `[name, spec]` pairs. */
export async function projectDependencies(packsDir: string): Promise<Map<string, string>> {
  const text = await readFile(path.join(packsDir, 'package.json'), 'utf8').catch(() => '{}');
  const dependencies = zProjectManifest.parse(JSON.parse(text)).dependencies ?? {};
  return new Map(Object.entries(dependencies).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Creates the project (or points its pack-api dependency at this momaflow) before npm runs in it. */
export async function preparePacksProject(packsDir: string): Promise<void> {
  await mkdir(packsDir, { recursive: true });
  const file = path.join(packsDir, 'package.json');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const manifest = zProjectManifest.parse(
    text === undefined
      ? {
          name: 'momaflow-custom-nodes',
          private: true,
          description: 'Node packs installed by momaflow nodes add',
        }
      : JSON.parse(text),
  );
  const packApi = await ensurePackApiBuilt();
  await writeFile(
    file,
    `${JSON.stringify({ ...manifest, dependencies: { ...manifest.dependencies, '@momaflow/pack-api': `file:${packApi}` } }, null, 2)}\n`,
  );
}

/** npm's integrity (sha512) for an installed package, from the lockfile (absent for folders). */
export async function lockedIntegrity(packsDir: string, packageName: string): Promise<string | undefined> {
  const text = await readFile(path.join(packsDir, 'package-lock.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const lock: unknown = JSON.parse(text);
  const packages = typeof lock === 'object' && lock !== null ? Reflect.get(lock, 'packages') : undefined;
  const entry =
    typeof packages === 'object' && packages !== null
      ? Object.getOwnPropertyDescriptor(packages, `node_modules/${packageName}`)?.value
      : undefined;
  const integrity = typeof entry === 'object' && entry !== null ? Reflect.get(entry, 'integrity') : undefined;
  return typeof integrity === 'string' ? integrity : undefined;
}
