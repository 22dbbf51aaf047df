/**
 * @module
 * Test-only access to the shared reference fixtures (`MOMAFLOW_FIXTURES`, default `../shared/fixtures`
 * beside the repository), read in place, never copied into the repository.
 */
import { readFile } from 'node:fs/promises';
import { openSafetensors } from '@momaflow/engine';
import { fixturePath } from '@momaflow/engine/testing';

export { fixturePath };

/** `vectors.json`, narrowed to the fields the tokenizer tests use. */
export async function readVectorsJson(): Promise<{ prompts: string[]; mllmPrompt: string }> {
  const json: unknown = JSON.parse(await readFile(fixturePath('vectors.json'), 'utf8'));
  if (typeof json !== 'object' || json === null) throw new Error('vectors.json is not an object');
  const prompts: unknown = Reflect.get(json, 'prompts');
  const mllmPrompt: unknown = Reflect.get(json, 'mllm.prompt');
  if (
    !Array.isArray(prompts) ||
    !prompts.every((p) => typeof p === 'string') ||
    typeof mllmPrompt !== 'string'
  ) {
    throw new Error('vectors.json lacks prompts or mllm.prompt');
  }
  return { prompts, mllmPrompt };
}

/** An int64 tensor of `vectors.safetensors` as rows of numbers. */
export async function readInt64Rows(name: string): Promise<number[][]> {
  const reader = await openSafetensors(fixturePath('vectors.safetensors'));
  try {
    const tensor = await reader.read(name);
    if (tensor.dtype !== 'int64') throw new Error(`${name} is ${tensor.dtype}, expected int64`);
    const values = Array.from(tensor.data, Number);
    const width = tensor.shape.at(-1) ?? values.length;
    const rows: number[][] = [];
    for (let i = 0; i < values.length; i += width) rows.push(values.slice(i, i + width));
    return rows;
  } finally {
    await reader.close();
  }
}
