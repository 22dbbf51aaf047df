import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineError } from '@momaflow/engine';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfigJson, readConfigJson } from './config-json';

const schema = z.object({ layers: z.number().int().positive() });

describe(parseConfigJson.name, () => {
  it('returns the parsed value', () => {
    expect(parseConfigJson({ layers: 2, extra: true }, schema, 'c.json')).toEqual({ layers: 2 });
  });

  it('names the source and the bad field', () => {
    let err: unknown;
    try {
      parseConfigJson({ layers: -1 }, schema, 'c.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('invalid_model_config');
    expect((err as EngineError).message).toMatch(/c\.json.*'layers'/);
  });
});

describe(readConfigJson.name, () => {
  it('reads a file and refuses broken JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'config-json-'));
    try {
      await writeFile(join(dir, 'ok.json'), '{"layers": 3}');
      await writeFile(join(dir, 'bad.json'), '{"layers": ');
      expect(await readConfigJson(join(dir, 'ok.json'), schema)).toEqual({ layers: 3 });
      await expect(readConfigJson(join(dir, 'bad.json'), schema)).rejects.toMatchObject({
        code: 'config_unreadable',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
