/** @module The momaflow engine: graph model, validation, executor, cache, node API and compute primitives. */
export * from './errors';
export * from './tensor';
export * from './weights';
