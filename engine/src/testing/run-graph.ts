/**
 * @module
 * Run a model once on a leased session and get its outputs as float32 engine tensors: the loop of
 * every graph-level test and measurement.
 */

import { fromOrtTensor, type OnnxModelSource, type SessionCache, toOrtTensor } from '../onnx';
import type { DType, Tensor } from '../tensor';

/**
 * The outputs of `source` on `feeds`, leased from `sessions` and handed back.
 * @example
 * const { last_hidden_state } = await runGraph(sessions, { model }, { input_ids: ids });
 */
export async function runGraph(
  sessions: SessionCache,
  source: OnnxModelSource,
  feeds: Readonly<Record<string, Tensor<DType>>>,
): Promise<Record<string, Tensor<'float32'>>> {
  const lease = await sessions.acquire(source);
  try {
    const out = await lease.session.run(
      Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toOrtTensor(v)])),
    );
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, fromOrtTensor(v, 'float32')]));
  } finally {
    lease.release();
  }
}
