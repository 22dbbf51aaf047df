/**
 * @module
 * The additive causal mask of a decoder's prefill, built in the graph from the sequence length so
 * one graph serves any prompt: 0 where a query may see a key (key <= query), a huge negative above
 * the diagonal (transformers fills with the dtype's minimum; any such value gives exp() = 0).
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { arange } from '@momaflow/engine';

const MASKED = -3.4028234663852886e38;

/**
 * [1, 1, S, S] for S = `length` (an int64 [1] value), broadcastable as an attention bias.
 * @example
 * const mask = causalMask(b, tokens);
 */
export function causalMask(b: OnnxBuilder, length: Value<'int64'>): Value<'float32'> {
  return b.scope('causal_mask', () => {
    const positions = arange(b, length);
    const rows = b.op('Unsqueeze', [positions, b.constInt64([1])]);
    const cols = b.op('Unsqueeze', [positions, b.constInt64([0])]);
    const future = b.op('Greater', [cols, rows], {}, { dtype: 'bool' });
    const mask = b.op(
      'Where',
      [future, b.constFloat('float32', MASKED), b.constFloat('float32', 0)],
      {},
      {
        dtype: 'float32',
      },
    );
    return b.op('Unsqueeze', [mask, b.constInt64([0, 1])]);
  });
}
