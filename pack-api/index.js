/**
 * @module
 * `@momaflow/pack-api` at run time. Inside momaflow (the server, `momaflow run`, a pack's sandbox) it
 * returns the host's own API, so a pack's Tensor is the engine's class; anywhere else (a pack's own
 * tests) it loads the standalone build of the same engine code from dist/runtime.js.
 */
const HOST_API = globalThis[Symbol.for('momaflow.pack-api.v1')];
const api = HOST_API ?? (await import('./dist/runtime.js')).NODE_PACK_API;

export const {
  definePack,
  defineNodePack,
  defineNode,
  defineResource,
  createNodeEnv,
  Input,
  Tensor,
  EngineError,
} = api;
