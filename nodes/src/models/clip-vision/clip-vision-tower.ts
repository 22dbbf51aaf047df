/**
 * @module
 * HF `CLIPVisionTransformer` up to a chosen hidden state: patch embedding (a strided conv without
 * bias), the class token, learned position embeddings, `pre_layrnorm` (sic, HF's key), then the
 * encoder layers. LLaVA reads `hidden_states[-2]`, so the layers after the chosen one are never
 * built; `post_layernorm` belongs to the pooled output, which LLaVA does not use.
 */
import type { OnnxBuilder, Value, WeightQuantization } from '@momaflow/engine';
import { conv2d, EngineError, layerNorm } from '@momaflow/engine';
import { type ClipAttentionKernel, clipEncoderLayer } from '../clip-text';
import { inScope, normWeights, type WeightScope } from '../ldm-config';
import type { ClipVisionConfig } from './clip-vision-config';

/** Options of `clipVisionTower`. */
export interface ClipVisionTowerOptions {
  readonly config: ClipVisionConfig;
  /**
   * Index into HF's `hidden_states` (0 = embeddings after `pre_layrnorm`, i = after layer i);
   * negative counts from the end, so -2 is the penultimate layer's output (LLaVA's choice).
   */
  readonly featureLayer: number;
  readonly quantization?: WeightQuantization;
  /** Default `'fused'`. */
  readonly kernel?: ClipAttentionKernel;
}

/** How many encoder layers `featureLayer` needs. */
export function towerDepth(config: ClipVisionConfig, featureLayer: number): number {
  const depth = featureLayer < 0 ? config.layers + 1 + featureLayer : featureLayer;
  if (!Number.isInteger(featureLayer) || depth < 0 || depth > config.layers) {
    throw new EngineError(
      'unsupported_model_config',
      `vision feature layer ${featureLayer} is outside the tower's ${config.layers + 1} hidden states`,
    );
  }
  return depth;
}

/**
 * The hidden state [B, 1 + patches, hidden] (class token first) of pixel values [B, C, S, S], with
 * the weights of `w` scoped at `vision_model`.
 * @example
 * const h = inScope(b, root, ['vision_model'], (w) => clipVisionTower(b, w, pixels, { config, featureLayer: -2 }));
 */
export function clipVisionTower(
  b: OnnxBuilder,
  w: WeightScope,
  pixelValues: Value<'float32'>,
  o: ClipVisionTowerOptions,
): Value<'float32'> {
  const c = o.config;
  const depth = towerDepth(c, o.featureLayer);
  const patches = (c.imageSize / c.patchSize) ** 2;
  const embedded = inScope(b, w, ['embeddings'], (ew) => {
    const weight = ew.take('patch_embedding.weight', [c.hiddenSize, c.numChannels, c.patchSize, c.patchSize]);
    const grid = conv2d(b, { weight }, pixelValues, { stride: c.patchSize, name: 'patch_embedding' });
    // [B, hidden, g, g] -> [B, g*g, hidden], rows in raster order as torch's flatten(2).transpose(1, 2).
    const tokens = b.op('Transpose', [b.op('Reshape', [grid, b.constInt64([0, c.hiddenSize, -1])])], {
      perm: [0, 2, 1],
    });
    const cls = b.initializer('class_embedding', ew.take('class_embedding', [c.hiddenSize]));
    const batch = b.op('Slice', [
      b.op('Shape', [pixelValues], {}, { dtype: 'int64' }),
      b.constInt64([0]),
      b.constInt64([1]),
    ]);
    const clsRows = b.op('Expand', [
      b.op('Reshape', [cls, b.constInt64([1, 1, c.hiddenSize])]),
      b.op('Concat', [batch, b.constInt64([1, c.hiddenSize])], { axis: 0 }),
    ]);
    const positions = b.initializer(
      'position_embedding.weight',
      ew.take('position_embedding.weight', [patches + 1, c.hiddenSize]),
    );
    return b.op(
      'Add',
      [b.op('Concat', [clsRows, tokens], { axis: 1 }), positions],
      {},
      {
        shape: ['batch', patches + 1, c.hiddenSize],
      },
    );
  });
  let h = layerNorm(b, normWeights(w, 'pre_layrnorm', c.hiddenSize), embedded, {
    eps: c.layerNormEps,
    name: 'pre_layrnorm',
  });
  const layer = {
    config: c,
    kernel: o.kernel ?? 'fused',
    ...(o.quantization ? { quantization: o.quantization } : {}),
  };
  for (let i = 0; i < depth; i++) {
    const x = h;
    h = inScope(b, w, ['encoder', 'layers', i], (lw) => clipEncoderLayer(b, lw, x, layer));
  }
  return h;
}
