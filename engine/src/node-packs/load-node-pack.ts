/**
 * @module
 * Finds and loads custom node packs: every sub-folder of a packs folder (ComfyUI's `custom_nodes`)
 * that has a `package.json`, imported through its `exports`/`main` entry. A pack that fails to import
 * or validate is reported with its folder and reason; the others still load.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { EngineError, errorMessage } from '../errors';
import { Input } from '../node-api/input-specs';
import { type AnyNodeDefinition, defineNode } from '../node-api/node-definition';
import type { NodeRegistry } from '../node-api/node-registry';
import { Tensor } from '../tensor';
import { defineNodePack, type NodePack, zNodePack } from './node-pack';

/**
 * What a pack whose default export is a function receives: the engine's runtime API, so a pack in a
 * `custom_nodes` folder works without resolving `@momaflow/engine` from its own location.
 */
export const NODE_PACK_API = Object.freeze({ defineNode, defineNodePack, Input, Tensor, EngineError });
export type NodePackApi = typeof NODE_PACK_API;

export interface PackLoadFailure {
  readonly folder: string;
  readonly message: string;
}

export interface PackLoadReport {
  readonly loaded: readonly {
    readonly folder: string;
    readonly name: string;
    readonly nodes: readonly string[];
  }[];
  readonly failed: readonly PackLoadFailure[];
}

async function entryOf(folder: string): Promise<string> {
  const manifestPath = path.join(folder, 'package.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    throw new EngineError(
      'node_pack_invalid',
      `${manifestPath}: cannot read package.json: ${errorMessage(err)}`,
    );
  }
  const exportsField =
    typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'exports') : undefined;
  const main = typeof manifest === 'object' && manifest !== null ? Reflect.get(manifest, 'main') : undefined;
  const rootExport =
    typeof exportsField === 'string'
      ? exportsField
      : typeof exportsField === 'object' && exportsField !== null
        ? Reflect.get(exportsField, '.')
        : undefined;
  const entry = typeof rootExport === 'string' ? rootExport : typeof main === 'string' ? main : 'index.js';
  const resolved = path.resolve(folder, entry);
  if (!resolved.startsWith(folder + path.sep)) {
    throw new EngineError(
      'node_pack_invalid',
      `${manifestPath}: entry '${entry}' points outside the pack folder`,
    );
  }
  return resolved;
}

/** Imports one pack folder and checks its default export. */
export async function importNodePack(folder: string): Promise<NodePack> {
  const entry = await entryOf(path.resolve(folder));
  let module: unknown;
  try {
    module = await import(pathToFileURL(entry).href);
  } catch (err) {
    throw new EngineError(
      'node_pack_import_failed',
      `node pack ${folder}: importing ${entry} failed: ${errorMessage(err)}`,
    );
  }
  let exported = typeof module === 'object' && module !== null ? Reflect.get(module, 'default') : undefined;
  if (typeof exported === 'function') {
    try {
      exported = await exported(NODE_PACK_API);
    } catch (err) {
      throw new EngineError(
        'node_pack_import_failed',
        `node pack ${folder}: its factory failed: ${errorMessage(err)}`,
      );
    }
  }
  const parsed = zNodePack.safeParse(exported);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new EngineError(
      'node_pack_invalid',
      `node pack ${folder}: the default export must be defineNodePack({ name, version, nodes }) or a function returning it: ${where}${issue?.message ?? 'invalid'}`,
    );
  }
  const pack = exported as NodePack;
  // Definitions made without defineNode get its load-time checks here (names, defaults within ranges).
  try {
    return { ...pack, nodes: pack.nodes.map((node) => defineNode(node)) };
  } catch (err) {
    throw new EngineError('node_pack_invalid', `node pack ${folder}: ${errorMessage(err)}`);
  }
}

/**
 * Loads every pack under `packsDir` into `registry` (a missing folder means no packs).
 * @example
 * const report = await loadNodePacks(registry, path.join(dataDir, 'custom_nodes'));
 * for (const f of report.failed) log.warn('node pack not loaded', f);
 */
export async function loadNodePacks(registry: NodeRegistry, packsDir: string): Promise<PackLoadReport> {
  let entries: string[];
  try {
    entries = (await readdir(packsDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { loaded: [], failed: [] };
    throw err;
  }
  const loaded: { folder: string; name: string; nodes: string[] }[] = [];
  const failed: PackLoadFailure[] = [];
  for (const name of entries.sort()) {
    const folder = path.join(packsDir, name);
    try {
      const pack = await importNodePack(folder);
      const nodes: readonly AnyNodeDefinition[] = pack.nodes;
      registry.register(nodes, { pack: pack.name });
      loaded.push({ folder, name: pack.name, nodes: nodes.map((n) => n.type) });
    } catch (err) {
      failed.push({ folder, message: errorMessage(err) });
    }
  }
  return { loaded, failed };
}
