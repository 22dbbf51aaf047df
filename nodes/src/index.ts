/** @module Built-in node packs and the model families they build. */
export * from './attention';
export { BUILTIN_NODES, createBuiltinRegistry } from './builtin-registry';
export * from './comparison';
export * from './conditioning';
export * from './controlnet';
export * from './custom-diffusion';
export * from './diffusion';
export * from './embeddings';
export * from './files';
export * from './image';
export * from './latent';
export * from './lora';
export * from './mllm';
export * from './models/tokenizers';
export * from './moma';
export { PRIMITIVE_NODES } from './primitives';
export * from './samplers';
export * from './segment';
