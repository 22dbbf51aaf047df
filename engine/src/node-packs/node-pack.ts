/**
 * @module
 * What a node pack's entry default-exports: `definePack({ nodes, sockets?, examples? })`. A pack with a
 * `momaflow` field in its package.json takes its id and version from there; a plain `custom_nodes`
 * folder names itself (`name`, `version`). Everything here is data plus the nodes' functions: a pack
 * never ships code for the editor to run.
 */
import type { AnyNodeDefinition } from '../node-api/node-definition';

/** A pack id: an npm-style package name (`my-pack`, `@me/my-pack`). */
export const PACK_ID = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/;

/** A socket type a pack introduces, with how the editor should draw it. */
export interface PackSocketType {
  readonly type: string;
  /** A CSS colour for the socket and its links, e.g. `#a0c`. */
  readonly color?: string;
  readonly description?: string;
}

/** An example workflow shipped with the pack (saved workflow format), listed beside the built-in ones. */
export interface PackExample {
  readonly name: string;
  readonly workflow: unknown;
}

export interface NodePack {
  /** Required for folders without a `momaflow` field in package.json; otherwise that field's id wins. */
  readonly name?: string;
  readonly version?: string;
  readonly description?: string;
  readonly nodes: readonly AnyNodeDefinition[];
  readonly sockets?: readonly PackSocketType[];
  readonly examples?: readonly PackExample[];
}

/**
 * Declares a node pack (the default export of its entry module).
 * @example
 * export default definePack({ nodes: [InvertColors], sockets: [{ type: 'PALETTE', color: '#c80' }] });
 */
export function definePack(pack: NodePack): NodePack {
  return Object.freeze(pack);
}

/** The name `custom_nodes` folders written before `definePack` use; the same function. */
export const defineNodePack = definePack;
