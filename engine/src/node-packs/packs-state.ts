/**
 * @module
 * `<custom_nodes>/momaflow-packs.json`: which packs `momaflow nodes add` installed (npm spec, source,
 * trust, the integrity npm recorded) and which packs are disabled. npm's own `package.json` and
 * `package-lock.json` sit beside it; hand-made `custom_nodes/<folder>` packs need no entry.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EngineError, errorMessage } from '../errors';

export const PACKS_STATE_FILE = 'momaflow-packs.json';

export const zPackSource = z.enum(['registry', 'tarball', 'folder']);
export type PackSource = z.infer<typeof zPackSource>;

export const zInstalledPack = z.object({
  /** The pack id (the `momaflow.id` of its package.json). */
  id: z.string().min(1),
  /** The npm package name: the pack lives in `node_modules/<package>`. */
  package: z.string().min(1),
  /** What the user asked for (`name@range`, a path to a folder or a .tgz). */
  spec: z.string().min(1),
  source: zPackSource,
  /** Trusted packs run in the server process; others run in the sandbox. */
  trusted: z.boolean(),
  version: z.string(),
  /** npm's integrity (sha512) of what it installed, when the source has one (registry, tarball). */
  integrity: z.string().optional(),
  installedAt: z.string(),
});
export type InstalledPack = z.infer<typeof zInstalledPack>;

export const zPacksState = z.object({
  version: z.literal(1),
  installed: z.array(zInstalledPack).default([]),
  /** Ids (or package/folder names) of packs not to load. */
  disabled: z.array(z.string()).default([]),
});
export type PacksState = z.infer<typeof zPacksState>;

export const EMPTY_PACKS_STATE: PacksState = Object.freeze({ version: 1, installed: [], disabled: [] });

/** Reads the state file of a custom_nodes folder (none yet: empty state). */
export async function readPacksState(packsDir: string): Promise<PacksState> {
  const file = path.join(packsDir, PACKS_STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_PACKS_STATE;
    throw err;
  }
  let parsed: ReturnType<typeof zPacksState.safeParse>;
  try {
    parsed = zPacksState.safeParse(JSON.parse(text));
  } catch (err) {
    throw new EngineError('packs_state_invalid', `${file} is not valid JSON: ${errorMessage(err)}`);
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError(
      'packs_state_invalid',
      `${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Writes the state file atomically (a crash leaves the old or the new file, never half of one). */
export async function writePacksState(packsDir: string, state: PacksState): Promise<void> {
  const file = path.join(packsDir, PACKS_STATE_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, file);
}
