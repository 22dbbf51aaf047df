/**
 * @module
 * Nodes the browser tests need beyond the built-in ones: a pass-through that reports progress with a
 * live preview (what a sampler does, in milliseconds) and a node that fails on purpose.
 */
import { readFile } from 'node:fs/promises';
import { type AnyNodeDefinition, defineNode, Input } from '@momaflow/engine';

/** Node types this pack registers. */
export const BROWSER_TEST_TYPES = { progress: 'BrowserTestProgress', fail: 'BrowserTestFail' } as const;

/**
 * @example
 * registry.register(await createBrowserTestPack(previewPngPath), { pack: 'browser-test' });
 */
export async function createBrowserTestPack(previewPng: string): Promise<AnyNodeDefinition[]> {
  const preview = new Uint8Array(await readFile(previewPng));
  const progress = defineNode({
    type: BROWSER_TEST_TYPES.progress,
    displayName: 'Slow Pass-through (test)',
    category: 'testing',
    inputs: {
      image: Input.link('IMAGE'),
      steps: Input.int({ default: 8, min: 1, max: 100 }),
      step_ms: Input.int({ default: 150, min: 0, max: 5000 }),
    },
    outputs: [{ type: 'IMAGE' }],
    run: async (ctx, { image, steps, step_ms }) => {
      for (let step = 1; step <= steps; step++) {
        await new Promise((resolve) => setTimeout(resolve, step_ms));
        ctx.signal.throwIfAborted();
        ctx.progress(step, steps, { format: 'PNG', bytes: preview });
      }
      return [image];
    },
  });
  const fail = defineNode({
    type: BROWSER_TEST_TYPES.fail,
    displayName: 'Always Fails (test)',
    category: 'testing',
    inputs: { image: Input.link('IMAGE') },
    outputs: [{ type: 'IMAGE' }],
    run: () => {
      throw new Error('this node fails on purpose');
    },
  });
  return [progress, fail];
}
