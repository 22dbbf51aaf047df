/**
 * @module
 * Handle and edge ids: outputs are `out:<index>`, inputs `in:<name>`, and an edge is named after the
 * input it feeds (an input takes one link), so ids stay stable across save and load.
 */

const OUT = 'out:';
const IN = 'in:';

/** @example outputHandleId(0) // 'out:0' */
export const outputHandleId = (index: number): string => `${OUT}${index}`;
/** @example inputHandleId('image') // 'in:image' */
export const inputHandleId = (name: string): string => `${IN}${name}`;

/** The output index of a source handle id, or undefined. */
export function parseOutputHandle(id: string | null | undefined): number | undefined {
  if (!id?.startsWith(OUT)) return undefined;
  const index = Number(id.slice(OUT.length));
  return Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/** The input name of a target handle id, or undefined. */
export function parseInputHandle(id: string | null | undefined): string | undefined {
  return id?.startsWith(IN) && id.length > IN.length ? id.slice(IN.length) : undefined;
}

/** @example edgeId('4', 'image') // 'e:4:image' */
export const edgeId = (target: string, input: string): string => `e:${target}:${input}`;
