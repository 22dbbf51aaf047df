import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { NODE_PACK_API } from './pack-runtime';

describe('NODE_PACK_API', () => {
  it('is exactly what @momaflow/pack-api (pack-api/index.js) exports, by name', async () => {
    const source = await readFile(new URL('../../../pack-api/index.js', import.meta.url), 'utf8');
    const names = /export const \{([^}]*)\}/
      .exec(source)?.[1]
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean);
    expect(names?.sort()).toEqual(Object.keys(NODE_PACK_API).sort());
  });
});
