/**
 * @module
 * The engine's runtime API for node packs, in one object: what `@momaflow/pack-api` hands a pack, what
 * a `custom_nodes` factory receives, and what the sandbox's child process provides. It reaches only
 * pure engine code (no onnxruntime, no zod), so it bundles small for the sandbox and the pack-api
 * package.
 */
import { EngineError } from '../errors/engine-error';
import { createNodeEnv } from '../node-api/create-node-env';
import { Input } from '../node-api/input-specs';
import { defineNode } from '../node-api/node-definition';
import { defineResource } from '../node-api/node-env';
import { Tensor } from '../tensor/tensor';
import { defineNodePack, definePack } from './node-pack';

/** Where `@momaflow/pack-api` finds the host's API (a registered symbol: shared by every copy of it). */
export const PACK_API_GLOBAL = 'momaflow.pack-api.v1';

/**
 * The API object. Frozen: packs share it.
 * @example
 * export default ({ defineNode, definePack, Input }) => definePack({ nodes: [defineNode({ ... })] });
 */
export const NODE_PACK_API = Object.freeze({
  definePack,
  defineNodePack,
  defineNode,
  defineResource,
  createNodeEnv,
  Input,
  Tensor,
  EngineError,
});
export type NodePackApi = typeof NODE_PACK_API;

/**
 * Makes this process's API the one `@momaflow/pack-api` returns, so a pack's `Tensor` is the engine's
 * class (the engine checks IMAGE values with `instanceof`). Idempotent; called before packs import.
 */
export function providePackApi(): void {
  const key = Symbol.for(PACK_API_GLOBAL);
  // The one process-wide slot: it must be global because packs resolve their own copy of pack-api.
  // prototype-safe: a symbol key of our own, not outside data.
  if (Reflect.get(globalThis, key) !== NODE_PACK_API) Reflect.set(globalThis, key, NODE_PACK_API);
}
