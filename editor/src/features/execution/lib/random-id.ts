/**
 * @module
 * Random ids for prompts and clients. `crypto.randomUUID` exists only in secure contexts, and the
 * editor may be opened over plain http on a LAN address, so this uses `getRandomValues`.
 */

/** @example randomId() // '3f9a0c2e7b1d4e5f8a6b9c0d1e2f3a4b' */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
