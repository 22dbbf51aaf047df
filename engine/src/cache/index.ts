/** @module The output cache and content-addressed node signatures. */
export { estimateBytes } from './estimate-bytes';
export type { SignatureParts } from './node-signature';
export { nodeSignature } from './node-signature';
export type { CacheEntry, CacheStats, LruLimits, OutputCache } from './output-cache';
export { LruOutputCache } from './output-cache';
