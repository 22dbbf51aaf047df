/**
 * @module
 * Hand the memory of unreachable model bytes and weights back before a session loads a big graph.
 * V8 frees large ArrayBuffers only when it collects, which an idle build never triggers by itself.
 */
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Collect garbage when node runs with `--expose-gc` (the CLI does); a no-op otherwise.
 * @example
 * const path = await buildAndWrite(); // the weights are unreachable from here
 * await collectExposedGarbage();
 */
export async function collectExposedGarbage(): Promise<void> {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc !== 'function') return;
  gc();
  // Backing stores are released by a background sweeper shortly after the collection.
  await delay(250);
}
