/** @module Custom node packs: definition and loading. */

export type { NodePackApi, PackLoadFailure, PackLoadReport } from './load-node-pack';
export { importNodePack, loadNodePacks, NODE_PACK_API } from './load-node-pack';
export type { NodePack } from './node-pack';
export { defineNodePack, zNodePack } from './node-pack';
