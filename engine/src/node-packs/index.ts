/** @module Node packs: the pack format, loading (trusted in-process, untrusted sandboxed), install state and provenance. */

export { ENGINE_VERSION, engineRangeProblem } from './engine-version';
export type { PackIdentity } from './import-node-pack';
export { importNodePack, packIdentity, zNodePack } from './import-node-pack';
export type {
  LoadedPacks,
  LoadNodePacksOptions,
  SandboxedPack,
  SandboxLauncher,
} from './load-node-packs';
export { loadNodePacks } from './load-node-packs';
export type { NodePack, PackExample, PackSocketType } from './node-pack';
export { defineNodePack, definePack, PACK_ID } from './node-pack';
export type { DataFolder, MomaflowField, PackManifest } from './pack-manifest';
export { readPackManifest, zMomaflowField } from './pack-manifest';
export type { PackOrigin, PackReport, PackStatus, RenamedNode } from './pack-report';
export { describePackReport } from './pack-report';
export type { NodePackApi } from './pack-runtime';
export { NODE_PACK_API, PACK_API_GLOBAL, providePackApi } from './pack-runtime';
export type { InstalledPack, PackSource, PacksState } from './packs-state';
export {
  EMPTY_PACKS_STATE,
  PACKS_STATE_FILE,
  readPacksState,
  writePacksState,
  zPacksState,
} from './packs-state';
export { namespacedType, packOfRegistered, registerPack } from './register-pack';
export type { PackSandboxOptions } from './sandbox';
export { createPackSandbox, sandboxArgs } from './sandbox';
