/**
 * @module
 * Which output type may feed which input type: the engine's `isSocketCompatible` rules, repeated here
 * because the engine's runtime cannot be bundled for the browser (`validate-connection.test.ts`
 * checks both agree on every pair of known types).
 */

/** The wildcard type: accepts and connects to anything. */
export const ANY_TYPE = '*';

/**
 * @example
 * isSocketCompatible('STRING', 'COMBO') // true
 * isSocketCompatible('IMAGE', 'MASK') // false
 */
export function isSocketCompatible(from: string, to: string): boolean {
  if (from === to || from === ANY_TYPE || to === ANY_TYPE) return true;
  // A STRING output may drive a COMBO widget; the server checks the value against the options.
  return from === 'STRING' && to === 'COMBO';
}
