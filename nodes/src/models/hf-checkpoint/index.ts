/**
 * @module
 * transformers checkpoint folders: finding the weight files (shard index, single file, numbered
 * shards) and opening them as one reader.
 */
export type { HfWeightFiles } from './hf-weight-files';
export { openHfWeights, resolveHfWeightFiles } from './hf-weight-files';
