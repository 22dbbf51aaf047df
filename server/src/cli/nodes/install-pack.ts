/**
 * @module
 * `nodes add|update|remove`: installs packs into `<data>/custom_nodes` with npm (lockfile kept,
 * integrity recorded) and keeps `momaflow-packs.json` in step. A package without a `momaflow` field
 * is uninstalled again and refused.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  EngineError,
  type InstalledPack,
  type PackManifest,
  type PackSource,
  readPackManifest,
  readPacksState,
  writePacksState,
} from '@momaflow/engine';
import { lockedIntegrity, preparePacksProject, projectDependencies } from './packs-project';
import type { RunNpm } from './run-npm';

export interface InstallRequest {
  readonly packsDir: string;
  /** An npm spec (`name`, `name@range`), a folder or a `.tgz`. */
  readonly spec: string;
  /** undefined: the default for the source (folders trusted, registry and tarballs sandboxed). */
  readonly trusted: boolean | undefined;
  readonly npm: RunNpm;
}

export interface InstallResult {
  readonly installed: InstalledPack;
  readonly manifest: PackManifest;
}

async function sourceOf(spec: string): Promise<{ source: PackSource; npmSpec: string }> {
  const info = await stat(spec).catch(() => undefined);
  if (info?.isDirectory()) return { source: 'folder', npmSpec: path.resolve(spec) };
  if (info?.isFile()) {
    if (!/\.(tgz|tar\.gz)$/.test(spec)) {
      throw new EngineError('node_pack_spec_invalid', `'${spec}' is a file but not a .tgz made by npm pack`);
    }
    return { source: 'tarball', npmSpec: path.resolve(spec) };
  }
  return { source: 'registry', npmSpec: spec };
}

/** The dependency npm added or changed for this install. */
function installedPackage(before: Map<string, string>, after: Map<string, string>, npmSpec: string): string {
  const changed = [...after].filter(
    ([name, value]) => name !== '@momaflow/pack-api' && before.get(name) !== value,
  );
  if (changed.length === 1 && changed[0]) return changed[0][0];
  // Reinstalling the same spec changes nothing: find it by its saved value (file: path or name).
  const base = path.basename(npmSpec);
  const same = [...after].find(
    ([name, value]) => value.endsWith(base) || npmSpec.startsWith(`${name}@`) || npmSpec === name,
  );
  if (same) return same[0];
  throw new EngineError(
    'node_pack_install_failed',
    `npm installed '${npmSpec}' but package.json does not say as what`,
  );
}

/**
 * @example
 * const { installed } = await installPack({ packsDir, spec: './my-pack', trusted: undefined, npm: runNpm });
 */
export async function installPack(request: InstallRequest): Promise<InstallResult> {
  const { packsDir, npm } = request;
  const { source, npmSpec } = await sourceOf(request.spec);
  await preparePacksProject(packsDir);
  const before = await projectDependencies(packsDir);
  await npm(['install', npmSpec, '--save'], packsDir);
  const packageName = installedPackage(before, await projectDependencies(packsDir), npmSpec);
  const manifest = await readPackManifest(path.join(packsDir, 'node_modules', ...packageName.split('/')));
  if (!manifest.momaflow) {
    await npm(['uninstall', packageName], packsDir);
    throw new EngineError(
      'node_pack_not_a_pack',
      `'${request.spec}' (${packageName}) is not a momaflow node pack: its package.json has no 'momaflow' field; it was not installed`,
    );
  }
  const installed: InstalledPack = {
    id: manifest.momaflow.id,
    package: packageName,
    spec: request.spec,
    source,
    trusted: request.trusted ?? source === 'folder',
    version: manifest.version ?? '0.0.0',
    ...(await lockedIntegrity(packsDir, packageName).then((integrity) => (integrity ? { integrity } : {}))),
    installedAt: new Date().toISOString(),
  };
  const state = await readPacksState(packsDir);
  await writePacksState(packsDir, {
    ...state,
    installed: [
      ...state.installed.filter((p) => p.package !== packageName && p.id !== installed.id),
      installed,
    ],
  });
  return { installed, manifest };
}

/** The installed pack with this id (or npm package name). */
export async function findInstalled(packsDir: string, id: string): Promise<InstalledPack | undefined> {
  return (await readPacksState(packsDir)).installed.find((p) => p.id === id || p.package === id);
}

/** Uninstalls an installed pack and forgets it (its enabled/disabled setting too). */
export async function removePack(packsDir: string, pack: InstalledPack, npm: RunNpm): Promise<void> {
  await npm(['uninstall', pack.package], packsDir);
  const state = await readPacksState(packsDir);
  await writePacksState(packsDir, {
    ...state,
    installed: state.installed.filter((p) => p.package !== pack.package),
    disabled: state.disabled.filter((id) => id !== pack.id && id !== pack.package),
  });
}
