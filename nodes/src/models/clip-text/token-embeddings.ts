/**
 * @module
 * The text encoder's token lookup, with rows beyond the vocabulary: a prompt's textual-inversion
 * vectors and Custom Diffusion's modifier tokens arrive per call as a graph input, and ids from
 * `vocabSize` on pick its rows (A1111 and ComfyUI put such vectors in the token-embedding positions of
 * the prompt the same way). The graph stays one graph for every embedding a prompt may name.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { Tensor } from '@momaflow/engine';

/** Name of the graph input holding the extra rows, float32 [rows, hidden]. */
export const EXTRA_TOKENS_INPUT = 'extra_token_embeddings';

/**
 * Token embeddings of `ids` [batch, tokens]: rows of `table` [vocabSize, hidden] for ids below
 * `vocabSize`, rows of `extra` [rows, hidden] (id - vocabSize) from there on.
 * @example
 * const h = tokenEmbeddings(b, table, ids, { vocabSize: 49408, extra: b.input(EXTRA_TOKENS_INPUT, 'float32', ['extra', 768]) });
 */
export function tokenEmbeddings(
  b: OnnxBuilder,
  table: Value<'float32'>,
  ids: Value<'int32'>,
  o: { readonly vocabSize: number; readonly extra?: Value<'float32'> },
): Value<'float32'> {
  if (o.extra === undefined) return b.op('Gather', [table, ids], { axis: 0 });
  const int = (v: number, name: string) => b.constant(new Tensor('int32', [1], Int32Array.of(v)), name);
  const vocab = int(o.vocabSize, 'vocab_size');
  const last = int(o.vocabSize - 1, 'last_id');
  const zero = int(0, 'zero');
  const isExtra = b.op('GreaterOrEqual', [ids, vocab], {}, { dtype: 'bool' });
  const own = b.op('Gather', [table, b.op('Min', [ids, last])], { axis: 0 });
  const added = b.op('Gather', [o.extra, b.op('Max', [b.op('Sub', [ids, vocab]), zero])], { axis: 0 });
  return b.op(
    'Where',
    [b.op('Unsqueeze', [isExtra, b.constInt64([-1])]), added, own],
    {},
    { dtype: 'float32' },
  );
}
