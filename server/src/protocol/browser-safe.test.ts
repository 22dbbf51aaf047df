import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '@momaflow/engine/testing';
import { describe, expect, it } from 'vitest';

const SERVER_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('@momaflow/server/protocol', () => {
  it('bundles for the browser with no Node built-ins and none of the server or engine runtime', async () => {
    const report = await bundleForBrowser({ entry: './src/protocol/index.ts', cwd: SERVER_ROOT });
    expect(report.errors).toEqual([]);
    expect(report.nodeImports).toEqual([]);
    // Only the protocol folder itself and zod: the engine types it names vanish from the bundle.
    const own = report.inputs.filter((file) => !file.includes('node_modules/'));
    expect(own).toContain('src/protocol/index.ts');
    expect(own.every((file) => file.startsWith('src/protocol/'))).toBe(true);
  });
});
