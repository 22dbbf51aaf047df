/**
 * @module
 * Finds and loads node packs from a `custom_nodes` folder: the hand-made sub-folders (ComfyUI's
 * convention, trusted) and the packs `momaflow nodes add` installed under `node_modules/` (recorded
 * in `momaflow-packs.json`, sandboxed unless trusted). A pack that is disabled, needs another engine
 * version, fails to import or is invalid is reported with the reason; the others still load.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError, errorMessage } from '../errors';
import type { NodeRegistry } from '../node-api/node-registry';
import { engineRangeProblem } from './engine-version';
import { importNodePack, packIdentity } from './import-node-pack';
import type { NodePack } from './node-pack';
import { type PackManifest, readPackManifest } from './pack-manifest';
import type { PackOrigin, PackReport } from './pack-report';
import { type InstalledPack, type PacksState, readPacksState } from './packs-state';
import { registerPack } from './register-pack';

/** A pack running in its own process: its nodes are proxies that call into it. */
export interface SandboxedPack {
  readonly pack: NodePack;
  dispose(): Promise<void>;
}

/** Starts an untrusted pack in a sandbox (see `createPackSandbox`). */
export type SandboxLauncher = (manifest: PackManifest, packId: string) => Promise<SandboxedPack>;

export interface LoadNodePacksOptions {
  /** The `custom_nodes` folder. A missing folder means no packs. */
  readonly dir: string;
  /** Runs untrusted packs; without it they are reported as failed, never run in-process. */
  readonly sandbox?: SandboxLauncher;
}

export interface LoadedPacks {
  readonly packs: readonly PackReport[];
  /** Stops the packs' sandbox processes. */
  dispose(): Promise<void>;
}

interface PackLocation {
  readonly folder: string;
  readonly origin: PackOrigin;
  readonly trusted: boolean;
  readonly installed?: InstalledPack;
}

async function folderPacks(dir: string): Promise<PackLocation[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ folder: path.join(dir, name), origin: 'folder', trusted: true }));
}

function installedPacks(dir: string, state: PacksState): PackLocation[] {
  return state.installed.map((installed) => ({
    folder: path.join(dir, 'node_modules', ...installed.package.split('/')),
    origin: 'installed',
    trusted: installed.trusted,
    installed,
  }));
}

function isDisabled(state: PacksState, names: readonly (string | undefined)[]): boolean {
  return names.some((name) => name !== undefined && state.disabled.includes(name));
}

async function loadOne(
  location: PackLocation,
  state: PacksState,
  registry: NodeRegistry,
  options: LoadNodePacksOptions,
  sandboxes: SandboxedPack[],
): Promise<PackReport> {
  const { folder, origin, trusted } = location;
  const fallbackId = location.installed?.id ?? path.basename(folder);
  const common = { folder, origin, trusted, displayName: null, version: null, id: fallbackId };
  let manifest: PackManifest;
  try {
    manifest = await readPackManifest(folder);
  } catch (err) {
    return { ...common, status: 'failed', error: errorOf(err) };
  }
  const known = {
    ...common,
    id: manifest.momaflow?.id ?? fallbackId,
    version: manifest.version ?? null,
    displayName: manifest.momaflow?.displayName ?? null,
  };
  if (isDisabled(state, [known.id, manifest.packageName, path.basename(folder)])) {
    return { ...known, status: 'disabled' };
  }
  const rangeProblem = manifest.momaflow ? engineRangeProblem(manifest.momaflow.engine) : undefined;
  if (rangeProblem) {
    return {
      ...known,
      status: 'incompatible',
      error: { code: 'node_pack_incompatible', message: `node pack '${known.id}' ${rangeProblem}` },
    };
  }
  let sandbox: SandboxedPack | undefined;
  try {
    let pack: NodePack;
    if (trusted) {
      pack = await importNodePack(manifest);
    } else {
      if (!options.sandbox) {
        throw new EngineError(
          'node_pack_untrusted',
          `node pack '${known.id}' is untrusted and no sandbox is available to run it`,
        );
      }
      sandbox = await options.sandbox(manifest, known.id);
      pack = sandbox.pack;
    }
    const identity = packIdentity(manifest, pack);
    if (isDisabled(state, [identity.id])) {
      await sandbox?.dispose();
      return { ...known, id: identity.id, status: 'disabled' };
    }
    const registered = registerPack(registry, { ...identity, sandboxed: !trusted, nodes: pack.nodes });
    if (sandbox) sandboxes.push(sandbox);
    return {
      ...known,
      ...identity,
      status: 'loaded',
      sandboxed: !trusted,
      nodes: registered.nodes,
      renamed: registered.renamed,
      sockets: pack.sockets ?? [],
      examples: pack.examples ?? [],
    };
  } catch (err) {
    await sandbox?.dispose();
    return { ...known, status: 'failed', error: errorOf(err) };
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  return {
    code: err instanceof EngineError ? err.code : 'node_pack_failed',
    message: errorMessage(err),
  };
}

/**
 * Loads every pack under `options.dir` into `registry`.
 * @example
 * const loaded = await loadNodePacks(registry, { dir: path.join(dataDir, 'custom_nodes'), sandbox });
 * for (const pack of loaded.packs) log.info(describePackReport(pack));
 */
export async function loadNodePacks(
  registry: NodeRegistry,
  options: LoadNodePacksOptions,
): Promise<LoadedPacks> {
  const state = await readPacksState(options.dir);
  const locations = [...(await folderPacks(options.dir)), ...installedPacks(options.dir, state)];
  const sandboxes: SandboxedPack[] = [];
  const packs: PackReport[] = [];
  // One at a time: registration order decides which of two clashing packs keeps the plain name.
  for (const location of locations) packs.push(await loadOne(location, state, registry, options, sandboxes));
  return {
    packs,
    dispose: async () => {
      await Promise.all(sandboxes.map((s) => s.dispose()));
    },
  };
}
