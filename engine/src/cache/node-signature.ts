/**
 * @module
 * Content-addressed cache signatures: a node's class, its literal inputs, its fingerprint and its
 * inputs' signatures, hashed. Node ids never enter, so renumbered or duplicated subgraphs share entries
 * (as ComfyUI's `CacheKeySetInputSignature`).
 */
import { hash } from 'node:crypto';

export interface SignatureParts {
  readonly classType: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** input name -> [source signature, output index] */
  readonly links: ReadonlyArray<readonly [string, string, number]>;
  readonly fingerprint: string | undefined;
}

function sortedEntries(record: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.keys(record)
    .sort()
    .map((k) => [k, record[k]]);
}

export function nodeSignature(parts: SignatureParts): string {
  const links = [...parts.links].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const canonical = JSON.stringify([
    parts.classType,
    sortedEntries(parts.values),
    links,
    parts.fingerprint ?? null,
  ]);
  // One-shot `hash` (Node >= 20.12): cheaper than createHash().update().digest() for short inputs.
  return hash('sha256', canonical, 'base64url');
}
