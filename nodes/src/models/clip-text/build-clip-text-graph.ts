/**
 * @module
 * The HF `CLIPTextModel` forward as one ONNX graph: token + position embeddings, causal encoder
 * layers, final LayerNorm. Besides `last_hidden_state` it outputs every earlier layer's hidden state
 * through the same final LayerNorm, as ComfyUI's `CLIPSetLastLayer` picks them (-2 is "CLIP skip 2"
 * in ComfyUI, A1111 and diffusers' `clip_skip=1`).
 */
import type { OnnxModel, Value } from '@momaflow/engine';
import { attrFloat, OnnxBuilder, Tensor } from '@momaflow/engine';
import { inScope, LowRankInputs, normWeights, type WeightMap, WeightScope } from '../ldm-config';
import { type ClipAttentionKernel, clipEncoderLayer } from './clip-encoder-layer';
import type { ClipTextConfig } from './clip-text-config';
import { EXTRA_TOKENS_INPUT, tokenEmbeddings } from './token-embeddings';

/**
 * Graph input / output names.
 * @example
 * const out = await session.run({ [CLIP_TEXT_IO.input]: ids }, [CLIP_TEXT_IO.penultimate]);
 */
export const CLIP_TEXT_IO = {
  input: 'input_ids',
  last: 'last_hidden_state',
  /** The state after layer L - k + 1 of L (k = 1: the last), through the final LayerNorm. */
  fromEnd: (k: number): string => (k === 1 ? 'last_hidden_state' : `hidden_state_from_end_${k}`),
} as const;

/** Options of `buildClipTextGraph`. */
export interface ClipTextGraphOptions {
  /** Default `'fused'` (onnxruntime MultiHeadAttention with the causal mask as attention bias). */
  readonly attention?: ClipAttentionKernel;
  /**
   * Take `extra_token_embeddings` [rows, hidden] too, whose rows ids from `vocabSize` on pick
   * (textual inversion, added tokens; see token-embeddings.ts). Default false.
   */
  readonly extraTokens?: boolean;
}

/** transformers fills masked scores with the dtype's minimum; any huge negative gives exp() = 0. */
const MASKED = -3.4028234663852886e38;

/** [1, 1, P, P]: 0 where key <= query, MASKED above the diagonal. */
function causalMaskTensor(positions: number): Tensor<'float32'> {
  const t = Tensor.zeros('float32', [1, 1, positions, positions]);
  for (let q = 0; q < positions; q++) t.data.fill(MASKED, q * positions + q + 1, (q + 1) * positions);
  return t;
}

/**
 * Build the text encoder graph: `input_ids` int32 [batch, tokens] (tokens <= maxPositions, 77 for
 * SD) -> `last_hidden_state` and `hidden_state_from_end_<k>` (k = 2 .. layers), float32
 * [batch, tokens, hidden].
 * Initializers carry the HF keys (`text_model.encoder.layers.0.self_attn.q_proj.weight`).
 * @throws EngineError `weight_missing` / `weight_shape_mismatch` naming the key and both shapes.
 * @example
 * const { config, weights } = await loadClipText('models/checkpoints/sd15.safetensors');
 * const model = buildClipTextGraph(weights, config);
 */
export function buildClipTextGraph(
  weights: WeightMap,
  config: ClipTextConfig,
  o: ClipTextGraphOptions = {},
): OnnxModel {
  const c = config;
  const b = OnnxBuilder.create({ name: 'clip_text' });
  const ids = b.input(CLIP_TEXT_IO.input, 'int32', ['batch', 'tokens']);
  const extra =
    o.extraTokens === true ? b.input(EXTRA_TOKENS_INPUT, 'float32', ['extra', c.hiddenSize]) : undefined;
  const lowRank = new LowRankInputs(b, weights.deltas());
  const states = inScope(b, new WeightScope(weights, '', lowRank), ['text_model'], (w) => {
    const tokens = b.op('Slice', [
      b.op('Shape', [ids], {}, { dtype: 'int64' }),
      b.constInt64([1]),
      b.constInt64([2]),
    ]);
    const hidden = inScope(b, w, ['embeddings'], (ew) => {
      const tokenTable = b.initializer(
        'token_embedding.weight',
        ew.take('token_embedding.weight', [c.vocabSize, c.hiddenSize]),
      );
      const posTable = b.initializer(
        'position_embedding.weight',
        ew.take('position_embedding.weight', [c.maxPositions, c.hiddenSize]),
      );
      // Position ids are 0..S-1, so the lookup is the first S rows of the table.
      const positions = b.op('Slice', [posTable, b.constInt64([0]), tokens, b.constInt64([0])]);
      return b.op(
        'Add',
        [tokenEmbeddings(b, tokenTable, ids, { vocabSize: c.vocabSize, extra }), positions],
        {},
        {
          shape: ['batch', 'tokens', c.hiddenSize],
        },
      );
    });
    const square = b.op('Concat', [tokens, tokens], { axis: 0 });
    const causalMask = b.op('Slice', [
      b.constant(causalMaskTensor(c.maxPositions), 'causal_mask'),
      b.constInt64([0, 0]),
      square,
      b.constInt64([2, 3]),
    ]);
    let h = hidden;
    const afterLayer: Value<'float32'>[] = [];
    for (let i = 0; i < c.layers; i++) {
      const layer = { config: c, causalMask, kernel: o.attention ?? 'fused' };
      h = inScope(b, w, ['encoder', 'layers', i], (lw) => clipEncoderLayer(b, lw, h, layer));
      afterLayer.push(h);
    }
    // Every output shares the final LayerNorm's initializers (one key, one node per layer).
    return b.scope('final_layer_norm', (): Value<'float32'>[] => {
      const nw = normWeights(w, 'final_layer_norm', c.hiddenSize);
      const scale = b.initializer('weight', nw.weight!);
      const bias = b.initializer('bias', nw.bias!);
      const norm = (x: Value<'float32'>) =>
        b.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: attrFloat(c.layerNormEps) });
      return afterLayer.map(norm);
    });
  });
  lowRank.assertAllBound(`the text encoder graph of ${weights.source}`);
  const outShape = ['batch', 'tokens', c.hiddenSize];
  // states[i] is after layer i; from the end, k = layers - i.
  states.forEach((state, i) => {
    b.output(state, CLIP_TEXT_IO.fromEnd(c.layers - i), outShape);
  });
  return b.build();
}
