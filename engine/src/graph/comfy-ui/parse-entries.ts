/**
 * @module
 * Parses a list from a workflow file entry by entry, so one bad entry is reported and skipped
 * instead of failing the whole file.
 */
import type { ImportProblem } from './import-problem';

/**
 * @example
 * const nodes = parseEntries(doc.nodes, (v) => zComfyNode.safeParse(v).data, 'node entry', problems);
 */
export function parseEntries<T>(
  raw: readonly unknown[],
  parse: (v: unknown) => T | undefined,
  what: string,
  problems: ImportProblem[],
): T[] {
  return raw.flatMap((value, index) => {
    const parsed = parse(value);
    if (parsed === undefined)
      problems.push({
        code: 'invalid_entry',
        nodeId: null,
        classType: null,
        message: `${what} ${index} is not valid and was skipped`,
      });
    return parsed === undefined ? [] : [parsed];
  });
}
