/** @module The momaflow engine: graph model, validation, executor, cache, node API and compute primitives. */
export * from './cache';
export * from './dictionary';
export * from './errors';
export * from './executor';
export * from './graph';
export * from './log';
export * from './node-api';
export * from './node-packs';
export * from './onnx';
export * from './tensor';
export * from './validation';
export * from './weights';
