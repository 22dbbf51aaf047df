/**
 * @module
 * Test-only: run a small built graph once on the CPU and return its first output.
 */
import { type OnnxModel, SessionCache, type Tensor } from '@momaflow/engine';
import { runGraph } from '@momaflow/engine/testing';

/** The first output of `model` on `feeds`, as float32. */
export async function runOnce(
  model: OnnxModel,
  feeds: Record<string, Tensor<'float32'>>,
): Promise<Tensor<'float32'>> {
  const sessions = SessionCache.create({ maxEntries: 1, defaults: { intraOpNumThreads: 1 } });
  try {
    return (await runGraph(sessions, { model }, feeds))[model.outputNames[0]!]!;
  } finally {
    await sessions.dispose();
  }
}
