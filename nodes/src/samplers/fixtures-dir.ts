/**
 * @module
 * Test-only: where the reference fixtures live (`$MOMAFLOW_FIXTURES`, else `../shared/fixtures` beside
 * the repository root) and typed access to `vectors.safetensors` / `vectors.json`.
 */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fixturePath, fixturesDir, openVectors } from '@momaflow/engine/testing';

export { fixturePath, fixturesDir, openVectors };

/** `vectors.json` as an untyped record; narrow each field with `jsonNumbers`. */
export async function readVectorsJson(): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readFile(resolve(fixturesDir(), 'vectors.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('vectors.json must hold a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A field of vectors.json that must be an array of numbers. */
export function jsonNumbers(json: Record<string, unknown>, key: string): number[] {
  const value = json[key];
  if (!Array.isArray(value) || !value.every((v): v is number => typeof v === 'number')) {
    throw new Error(`vectors.json '${key}' must be an array of numbers`);
  }
  return value;
}
