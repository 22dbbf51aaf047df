/**
 * @module
 * Prototype-safe maps for data keyed by outside input: `dict()` objects without a prototype,
 * `ownValue` reads and the `zDict` schema that keeps every key.
 */
export type { Dict } from './dictionary';
export { dict, dictFrom, ownValue } from './dictionary';
export type { DictOptions } from './z-dict';
export { zDict } from './z-dict';
