/**
 * @module
 * Reads a diffusers / transformers `config.json` and parses it with a model's zod schema, so a bad
 * field is reported with the file and the field name.
 */
import { readFile } from 'node:fs/promises';
import { EngineError, errorMessage } from '@momaflow/engine';
import type { z } from 'zod';

/**
 * Parse already-decoded config JSON with `schema`.
 * @throws EngineError `invalid_model_config` naming `source` and the first bad field.
 * @example
 * const cfg = parseConfigJson(json, zVaeConfigJson, 'vae/config.json');
 */
export function parseConfigJson<T>(json: unknown, schema: z.ZodType<T>, source: string): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? '' : ` at '${issue.path.join('.')}': ${issue.message}`;
  throw new EngineError('invalid_model_config', `${source} is not a valid model config${where}`, { source });
}

/**
 * Read `path` as JSON and parse it with `schema`.
 * @example
 * const cfg = await readConfigJson('models/sd15/vae/config.json', zVaeConfigJson);
 */
export async function readConfigJson<T>(path: string, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new EngineError(
      'config_unreadable',
      `cannot read ${path} as JSON: ${errorMessage(cause)}`,
      { path },
      { cause },
    );
  }
  return parseConfigJson(json, schema, path);
}
