import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../testing/browser-bundle';

const ENGINE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe(bundleForBrowser.name, () => {
  it('bundles the protocol entry for the browser with no Node built-ins and no native code', async () => {
    const report = await bundleForBrowser({ entry: './src/protocol/index.ts', cwd: ENGINE_ROOT });
    expect(report.errors).toEqual([]);
    expect(report.nodeImports).toEqual([]);
    expect(
      report.inputs.filter((file) => /onnxruntime|protobufjs|\/(onnx|weights|tensor)\//.test(file)),
    ).toEqual([]);
    expect(report.inputs).toContain('src/graph/workflow.ts');
  });

  it('reports what keeps the package root out of the browser (the check can fail)', async () => {
    const report = await bundleForBrowser({ entry: './src/index.ts', cwd: ENGINE_ROOT });
    expect(report.nodeImports.some((name) => name.startsWith('node:'))).toBe(true);
  });
});
