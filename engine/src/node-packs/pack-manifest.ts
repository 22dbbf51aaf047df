/**
 * @module
 * A node pack's `package.json`: its npm name and version, and the `momaflow` field that makes it a
 * pack (id, display name, the engine versions it supports, its entry, and the data folders it asks
 * for when sandboxed). Folders without the field still load as before (ComfyUI-style `custom_nodes`),
 * entered through `exports["."]` or `main`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { ownValue } from '../dictionary/dictionary';
import { EngineError, errorMessage } from '../errors';
import { PACK_ID } from './node-pack';

/** The data folders a sandboxed pack may be given. */
export const zDataFolder = z.enum(['input', 'output', 'temp', 'models']);
export type DataFolder = z.infer<typeof zDataFolder>;

export const zMomaflowField = z.object({
  id: z.string().max(214).regex(PACK_ID, 'a package-style id such as my-pack or @me/my-pack'),
  displayName: z.string().min(1).max(100).optional(),
  /** A semver range of engine versions, e.g. "^0.1.0". */
  engine: z.string().refine((range) => semver.validRange(range) !== null, 'a semver range such as ^0.1.0'),
  /** The module whose default export is the pack (default: `exports["."]`, then `main`). */
  entry: z.string().min(1).optional(),
  /** Data folders the pack's nodes read or write when they run sandboxed. */
  folders: z
    .object({ read: z.array(zDataFolder).default([]), write: z.array(zDataFolder).default([]) })
    .default({ read: [], write: [] }),
});
export type MomaflowField = z.infer<typeof zMomaflowField>;

export interface PackManifest {
  readonly folder: string;
  /** The npm package name, when package.json has one. */
  readonly packageName: string | undefined;
  readonly version: string | undefined;
  readonly description: string | undefined;
  readonly momaflow: MomaflowField | undefined;
  /** Absolute path of the entry module, inside `folder`. */
  readonly entry: string;
}

function stringField(manifest: object, key: string): string | undefined {
  const value = ownValue(manifest, key);
  return typeof value === 'string' ? value : undefined;
}

function legacyEntry(manifest: object): string {
  const exportsField: unknown = Reflect.get(manifest, 'exports');
  const rootExport =
    typeof exportsField === 'string'
      ? exportsField
      : typeof exportsField === 'object' && exportsField !== null && Object.hasOwn(exportsField, '.')
        ? Reflect.get(exportsField, '.')
        : undefined;
  return typeof rootExport === 'string' ? rootExport : (stringField(manifest, 'main') ?? 'index.js');
}

/**
 * Reads and checks `<folder>/package.json`.
 * @example
 * const manifest = await readPackManifest('/data/custom_nodes/node_modules/invert-pack');
 * manifest.momaflow?.id; // 'invert-pack'
 */
export async function readPackManifest(folder: string): Promise<PackManifest> {
  const root = path.resolve(folder);
  const manifestPath = path.join(root, 'package.json');
  let manifest: unknown;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (err) {
    throw new EngineError(
      'node_pack_invalid',
      `${manifestPath}: cannot read package.json: ${errorMessage(err)}`,
    );
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw new EngineError('node_pack_invalid', `${manifestPath}: package.json must be a JSON object`);
  }
  let momaflow: MomaflowField | undefined;
  if (Object.hasOwn(manifest, 'momaflow')) {
    const parsed = zMomaflowField.safeParse(Reflect.get(manifest, 'momaflow'));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new EngineError(
        'node_pack_invalid',
        `${manifestPath}: field 'momaflow${issue?.path.length ? `.${issue.path.join('.')}` : ''}': ${issue?.message ?? 'invalid'}`,
      );
    }
    momaflow = parsed.data;
  }
  const entryName = momaflow?.entry ?? legacyEntry(manifest);
  const entry = path.resolve(root, entryName);
  if (!entry.startsWith(root + path.sep)) {
    throw new EngineError(
      'node_pack_invalid',
      `${manifestPath}: entry '${entryName}' points outside the pack folder`,
    );
  }
  return {
    folder: root,
    packageName: stringField(manifest, 'name'),
    version: stringField(manifest, 'version'),
    description: stringField(manifest, 'description'),
    momaflow,
    entry,
  };
}
