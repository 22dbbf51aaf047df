/**
 * @module
 * HF `CLIPEncoderLayer`: pre-LayerNorm transformer layer with self-attention (causal in the text
 * tower, bidirectional in the vision tower) and a two-layer MLP.
 * residual + self_attn(layer_norm1(h)), then residual + fc2(act(fc1(layer_norm2(h)))).
 */
import type { OnnxBuilder, Value, WeightQuantization } from '@momaflow/engine';
import {
  attention,
  FLOAT_WEIGHTS,
  fusedAttention,
  gelu,
  layerNorm,
  quantizedLinear,
  quickGelu,
} from '@momaflow/engine';
import { inScope, linearWeights, normWeights, type WeightScope, withLinearDeltas } from '../ldm-config';
import type { ClipHiddenAct, ClipTextConfig } from './clip-text-config';

/** Which attention kernel to emit. */
export type ClipAttentionKernel = 'fused' | 'plain';

const ACTIVATIONS = {
  quick_gelu: quickGelu,
  gelu,
} as const satisfies Record<ClipHiddenAct, (b: OnnxBuilder, x: Value<'float32'>) => Value<'float32'>>;

/** The sizes a CLIP encoder layer needs (text and vision towers alike). */
export type ClipLayerShape = Pick<
  ClipTextConfig,
  'hiddenSize' | 'heads' | 'intermediateSize' | 'layerNormEps' | 'hiddenAct'
>;

/** Options of `clipEncoderLayer`. */
export interface ClipEncoderLayerOptions {
  readonly config: ClipLayerShape;
  /** Additive causal mask [1, 1, S, S] (0 on and below the diagonal, a huge negative above); none in a vision tower. */
  readonly causalMask?: Value<'float32'>;
  readonly kernel: ClipAttentionKernel;
  /** How the Linear weights are stored. Default float32. */
  readonly quantization?: WeightQuantization;
}

/** HF `CLIPAttention`: q (pre-scaled by head_dim^-0.5 inside the kernel), k, v, out_proj. */
function selfAttention(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: ClipEncoderLayerOptions,
): Value<'float32'> {
  const h = o.config.hiddenSize;
  const quantization = o.quantization ?? FLOAT_WEIGHTS;
  const proj = (name: string, input: Value<'float32'>): Value<'float32'> => {
    const weights = linearWeights(w, name, { inFeatures: h, outFeatures: h });
    return withLinearDeltas(
      b,
      weights,
      input,
      quantizedLinear(b, weights, input, { name, quantization }),
      name,
    );
  };
  const [q, k, v] = [proj('q_proj', x), proj('k_proj', x), proj('v_proj', x)];
  const opts = { heads: o.config.heads, scale: 1 / Math.sqrt(h / o.config.heads), bias: o.causalMask };
  const ctx = o.kernel === 'fused' ? fusedAttention(b, q, k, v, opts) : attention(b, q, k, v, opts).out;
  return proj('out_proj', ctx);
}

/**
 * One encoder layer at the scope of `w` (`text_model.encoder.layers.{i}`), on x [B, S, hidden].
 * @example
 * h = inScope(b, w, ['layers', i], (lw) => clipEncoderLayer(b, lw, h, { config, causalMask, kernel: 'fused' }));
 */
export function clipEncoderLayer(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: ClipEncoderLayerOptions,
): Value<'float32'> {
  const c = o.config;
  const eps = c.layerNormEps;
  let h = layerNorm(b, normWeights(w, 'layer_norm1', c.hiddenSize), x, { eps, name: 'layer_norm1' });
  h = inScope(b, w, ['self_attn'], (aw) => selfAttention(b, aw, h, o));
  const attended = b.op('Add', [x, h]);
  h = layerNorm(b, normWeights(w, 'layer_norm2', c.hiddenSize), attended, { eps, name: 'layer_norm2' });
  const quantization = o.quantization ?? FLOAT_WEIGHTS;
  h = inScope(b, w, ['mlp'], (mw) => {
    const fc1 = linearWeights(mw, 'fc1', { inFeatures: c.hiddenSize, outFeatures: c.intermediateSize });
    const up = withLinearDeltas(b, fc1, h, quantizedLinear(b, fc1, h, { name: 'fc1', quantization }), 'fc1');
    const act = ACTIVATIONS[c.hiddenAct](b, up);
    const fc2 = linearWeights(mw, 'fc2', { inFeatures: c.intermediateSize, outFeatures: c.hiddenSize });
    return withLinearDeltas(b, fc2, act, quantizedLinear(b, fc2, act, { name: 'fc2', quantization }), 'fc2');
  });
  return b.op('Add', [attended, h]);
}
