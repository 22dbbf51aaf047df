/**
 * @module
 * Test-only access to the shared reference fixtures (`MOMAFLOW_FIXTURES`, default `../shared/fixtures`
 * beside the repository root), read in place and never copied, and the fixtures README's closeness
 * measure.
 */
import { readFile } from 'node:fs/promises';
import { fixturePath, openVectors } from '@momaflow/engine/testing';

export { fixturePath, openVectors };

/** `vectors.json`. */
export async function readVectorsJson(): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readFile(fixturePath('vectors.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('vectors.json must hold a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A vectors.json field that must be an array of `T` (checked by `is`). */
export function jsonArray<T>(json: Record<string, unknown>, key: string, is: (v: unknown) => v is T): T[] {
  const value = json[key];
  if (!Array.isArray(value) || !value.every(is)) throw new Error(`vectors.json '${key}' has the wrong type`);
  return value;
}

export const isNumber = (v: unknown): v is number => typeof v === 'number';
export const isString = (v: unknown): v is string => typeof v === 'string';

/** max |actual - expected| and the bound `relative * max(1, max |expected|)`, after a size check. */
export function closeness(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  relative: number,
): { maxDiff: number; bound: number } {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} != expected length ${expected.length}`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    // NaN must fail, and Math.max would swallow it.
    maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxDiff, d);
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return { maxDiff, bound: relative * Math.max(1, maxRef) };
}
