/**
 * @module
 * Test-only access to the shared reference fixtures (`MOMAFLOW_FIXTURES`, default `../shared/fixtures`
 * beside the repository), read in place and never copied; plus the closeness measure the fixtures
 * README prescribes. Not exported from the folder's index.
 */
import { readFile } from 'node:fs/promises';
import type { Tensor } from '@momaflow/engine';
import { dict, openSafetensors, ownValue } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';

export { fixturePath };

/** Tensors of `vectors.safetensors` by name (float tensors as float32, integer ones as int64). */
export async function readVectors(
  names: readonly string[],
): Promise<Record<string, Tensor<'float32'> | Tensor<'int64'>>> {
  const reader = await openSafetensors(fixturePath('vectors.safetensors'));
  try {
    const out = dict<Tensor<'float32'> | Tensor<'int64'>>();
    for (const name of names) out[name] = await reader.read(name);
    return out;
  } finally {
    await reader.close();
  }
}

/** Names in `vectors.safetensors` starting with `prefix`. */
export async function vectorNames(prefix: string): Promise<string[]> {
  const reader = await openSafetensors(fixturePath('vectors.safetensors'));
  try {
    return reader.keys().filter((k) => k.startsWith(prefix));
  } finally {
    await reader.close();
  }
}

/** A field of `vectors.json`. */
export async function readVectorsJson(field: string): Promise<unknown> {
  const json: unknown = JSON.parse(await readFile(fixturePath('vectors.json'), 'utf8'));
  if (typeof json !== 'object' || json === null) throw new Error('vectors.json is not an object');
  return ownValue(json, field);
}

/** max |a - b| and the README's bound `relative` * max(1, max |ref|) (1e-4 for one forward pass). */
export function parityError(
  actual: ArrayLike<number>,
  ref: ArrayLike<number>,
  relative = 1e-4,
): { maxAbs: number; bound: number } {
  if (actual.length !== ref.length)
    throw new Error(`length ${actual.length} != reference length ${ref.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(actual[i]! - ref[i]!);
    maxAbs = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
  }
  return { maxAbs, bound: relative * Math.max(1, maxRef) };
}
