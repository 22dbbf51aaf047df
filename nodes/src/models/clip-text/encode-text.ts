/**
 * @module
 * Runs the text encoder graph on a batch of token id rows (from `ClipTokenizer.tokenize`, padded to
 * one length) on an onnxruntime session from the engine's `SessionCache`.
 */
import type { SessionLease } from '@momaflow/engine';
import { EngineError, fromOrtTensor, Tensor, toOrtTensor } from '@momaflow/engine';
import { CLIP_TEXT_IO } from './build-clip-text-graph';

/**
 * Which hidden state to return, as ComfyUI's `stop_at_clip_layer`: -1 the last layer's, -2 the one
 * before ("CLIP skip 2"), ...; always after the final LayerNorm. Must not reach past the model's depth
 * (CLIPSetLastLayer clamps to -1 there, as ComfyUI).
 */
export type ClipTextLayer = number;

/** Options of `encodeText`. */
export interface EncodeTextOptions {
  /** Default -1 (the last layer). */
  readonly layer?: ClipTextLayer;
  /** Other graph inputs (the strengths of LoRA patches), by name. */
  readonly feeds?: Readonly<Record<string, Tensor<'float32'>>>;
}

/**
 * Encode rows of token ids into hidden states [rows, tokens, hidden] (for SD1.x: [B, 77, 768], the
 * UNet's `encoder_hidden_states`).
 * @throws EngineError `invalid_input` when there are no rows or the rows differ in length.
 * @example
 * const { ids } = tokenizer.tokenize('a photo of a cat', { maxLength: 77 });
 * const cond = await encodeText(lease.session, [ids]);
 */
export async function encodeText(
  session: SessionLease['session'],
  ids: readonly Int32Array[],
  o: EncodeTextOptions = {},
): Promise<Tensor<'float32'>> {
  const width = ids[0]?.length ?? 0;
  if (width === 0 || ids.some((row) => row.length !== width)) {
    throw new EngineError(
      'invalid_input',
      `'ids' must be one or more rows of the same non-zero length, got lengths [${ids.map((r) => r.length).join(', ')}]`,
    );
  }
  const batch = new Int32Array(ids.length * width);
  for (const [i, row] of ids.entries()) batch.set(row, i * width);
  const layer = o.layer ?? -1;
  if (!Number.isInteger(layer) || layer > -1) {
    throw new EngineError('invalid_input', `'layer' must be a negative integer (-1 = last), got ${layer}`);
  }
  const name = CLIP_TEXT_IO.fromEnd(-layer);
  const feeds = Object.fromEntries(Object.entries(o.feeds ?? {}).map(([k, t]) => [k, toOrtTensor(t)]));
  const out = await session.run(
    { ...feeds, [CLIP_TEXT_IO.input]: toOrtTensor(new Tensor('int32', [ids.length, width], batch)) },
    [name],
  );
  const hidden = out[name];
  if (hidden === undefined)
    throw new EngineError('missing_output', `the text encoder session returned no '${name}'`);
  return fromOrtTensor(hidden, 'float32');
}
