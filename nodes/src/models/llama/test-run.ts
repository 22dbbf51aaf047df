/**
 * @module
 * Test-only: run a small built graph once on the CPU and return its first output.
 */
import { fromOrtTensor, type OnnxModel, SessionCache, type Tensor, toOrtTensor } from '@momaflow/engine';

/** The first output of `model` on `feeds`, as float32. */
export async function runOnce(
  model: OnnxModel,
  feeds: Record<string, Tensor<'float32'>>,
): Promise<Tensor<'float32'>> {
  const sessions = SessionCache.create({ maxEntries: 1, defaults: { intraOpNumThreads: 1 } });
  try {
    const lease = await sessions.acquire({ model });
    try {
      const out = await lease.session.run(
        Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrtTensor(v)])),
      );
      return fromOrtTensor(out[model.outputNames[0]!]!, 'float32');
    } finally {
      lease.release();
    }
  } finally {
    await sessions.dispose();
  }
}
