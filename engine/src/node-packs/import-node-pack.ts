/**
 * @module
 * Imports one pack's entry module and checks its default export: `definePack(...)`, or (for
 * `custom_nodes` folders) a function that receives the engine's API and returns one. Every node
 * definition goes through `defineNode`'s load-time checks, so a broken pack fails here, not when a user
 * runs it.
 */
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { EngineError, errorMessage } from '../errors';
import { defineNode } from '../node-api/node-definition';
import type { NodePack } from './node-pack';
import { PACK_ID } from './node-pack';
import type { PackManifest } from './pack-manifest';
import { NODE_PACK_API, providePackApi } from './pack-runtime';

const zNodeDefinitionShape = z.looseObject({
  type: z.string().min(1),
  category: z.string(),
  inputs: z.custom<object>((v) => typeof v === 'object' && v !== null, 'inputs must be an object'),
  outputs: z.array(z.unknown()),
  run: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'run must be a function'),
});

const SOCKET_TYPE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** The shape a pack's default export must have (definitions themselves are checked by `defineNode`). */
export const zNodePack = z.object({
  name: z.string().max(214).regex(PACK_ID, 'a package-style name such as my-pack or @me/my-pack').optional(),
  version: z.string().min(1).max(256).optional(),
  description: z.string().max(2000).optional(),
  nodes: z.array(zNodeDefinitionShape).min(1, 'a pack provides at least one node'),
  sockets: z
    .array(
      z.object({
        type: z.string().regex(SOCKET_TYPE, 'a socket type name such as MY_TYPE'),
        color: z
          .string()
          .regex(/^#[0-9a-fA-F]{3,8}$/, 'a hex colour such as #a0c')
          .optional(),
        description: z.string().max(2000).optional(),
      }),
    )
    .optional(),
  examples: z
    .array(z.object({ name: z.string().regex(/^[\w.-]{1,100}$/, 'a file-safe name'), workflow: z.unknown() }))
    .optional(),
});

/** A pack's id and version: from the `momaflow` field and package.json, else from what it exports. */
export interface PackIdentity {
  readonly id: string;
  readonly version: string;
}

export function packIdentity(manifest: PackManifest, pack: NodePack): PackIdentity {
  const id = manifest.momaflow?.id ?? pack.name ?? manifest.packageName;
  const version = manifest.momaflow ? manifest.version : (pack.version ?? manifest.version);
  if (!id || !version) {
    throw new EngineError(
      'node_pack_invalid',
      `node pack ${manifest.folder}: give it a 'momaflow' field and a version in package.json, or export { name, version }`,
    );
  }
  return { id, version };
}

/**
 * Imports the pack described by `manifest` in this process.
 * @example
 * const pack = await importNodePack(await readPackManifest(folder));
 */
export async function importNodePack(manifest: PackManifest): Promise<NodePack> {
  const { folder, entry } = manifest;
  providePackApi();
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
      `node pack ${folder}: the default export must be definePack({ nodes }) or a function returning it: ${where}${issue?.message ?? 'invalid'}`,
    );
  }
  const pack = exported as NodePack;
  try {
    return { ...pack, nodes: pack.nodes.map((node) => defineNode(node)) };
  } catch (err) {
    throw new EngineError('node_pack_invalid', `node pack ${folder}: ${errorMessage(err)}`);
  }
}
