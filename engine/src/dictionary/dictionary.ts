/**
 * @module
 * Maps keyed by outside data (node ids, input names, file names, history ids) as plain objects that
 * have no prototype. On an ordinary `{}`, the key `__proto__` assigns the prototype instead of
 * storing a value, and reads of `constructor`, `toString` or `__proto__` find Object.prototype's
 * members where the map has no entry (issue 17: a node id `__proto__` turned into a 500). A
 * prototype-less object stores and reads every key as data and still serialises as plain JSON.
 */

/** A string-keyed map with no prototype: every key, `__proto__` included, is an ordinary entry. */
export type Dict<T> = Record<string, T>;

/**
 * An empty prototype-less map.
 * @example
 * const byNode = dict<string[]>();
 * byNode['__proto__'] = ['kept as data'];
 */
export function dict<T>(): Dict<T> {
  return Object.create(null) as Dict<T>;
}

/**
 * A prototype-less map of `entries` (later entries win, as with `Object.fromEntries`).
 * @example
 * const sizes = dictFrom(files.map((f) => [f.name, f.size]));
 */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Dict<T> {
  const result = dict<T>();
  for (const [key, value] of entries) result[key] = value;
  return result;
}

/**
 * `object[key]` when `object` has that key itself, else undefined: never a member inherited from
 * Object.prototype, whatever `key` is.
 * @example
 * ownValue(JSON.parse('{}'), 'constructor') // undefined, not Object
 */
export function ownValue<T>(object: Readonly<Record<string, T>>, key: string): T | undefined;
export function ownValue(object: object, key: string): unknown;
export function ownValue(object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined;
}
