/**
 * @module
 * Token embeddings from files: textual-inversion embeddings in the A1111, kohya and diffusers layouts,
 * and tokens added to a text encoder's vocabulary (Custom Diffusion's modifier tokens).
 */
export type { AddedToken } from './added-token';
export type { Embedding } from './read-embedding';
export { readEmbedding } from './read-embedding';
export type { TinyEmbeddingFormat } from './tiny-embeddings';
export { tinyEmbeddingTensors } from './tiny-embeddings';
