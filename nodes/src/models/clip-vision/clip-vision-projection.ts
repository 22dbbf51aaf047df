/**
 * @module
 * The projection head of HF `CLIPVisionModelWithProjection` (and of `CLIPModel`'s image side):
 * `image_embeds = visual_projection(post_layernorm(last_hidden_state[:, 0]))`, a Linear without bias
 * on the pooled class token. ip-adapter_sd15 projects these embeddings; LLaVA and ip-adapter-plus read
 * hidden states and never need it. Its weight sits at the file's top level, beside `vision_model.*`,
 * in the IP-Adapter `image_encoder`, ComfyUI `clip_vision` and full CLIP files alike.
 */
import type { OnnxBuilder, Value } from '@momaflow/engine';
import { EngineError, layerNorm, linear } from '@momaflow/engine';
import { openHfWeights } from '../hf-checkpoint';
import { inScope, linearWeights, normWeights, type WeightScope } from '../ldm-config';
import type { ClipVisionConfig } from './clip-vision-config';
import type { ClipVisionCheckpoint } from './load-clip-vision';

/** The stored key of the projection weight, [projection_dim, hidden_size]. */
export const CLIP_VISUAL_PROJECTION_KEY = 'visual_projection.weight';

/**
 * The width of the tower's `image_embeds`, from the shape of its `visual_projection.weight`.
 * @throws EngineError `missing_visual_projection` naming the weight files and the key when the tower
 *   has no projection head (a plain `CLIPVisionModel`), `invalid_model_config` when it reads another width.
 * @example
 * const width = await clipVisionProjectionDim(await loadClipVision('models/clip_vision/image_encoder'));
 */
export async function clipVisionProjectionDim(tower: ClipVisionCheckpoint): Promise<number> {
  const reader = await openHfWeights(tower.weights);
  const files = tower.weights.files.join(', ');
  try {
    const shape = reader.info(CLIP_VISUAL_PROJECTION_KEY)?.shape;
    if (shape === undefined) {
      throw new EngineError(
        'missing_visual_projection',
        `${files} has no '${CLIP_VISUAL_PROJECTION_KEY}': the vision tower ${tower.path} lacks the projection head of CLIPVisionModelWithProjection (image_embeds)`,
        { path: tower.path, key: CLIP_VISUAL_PROJECTION_KEY },
      );
    }
    const [width = 0, hidden] = shape;
    if (shape.length !== 2 || hidden !== tower.config.hiddenSize) {
      throw new EngineError(
        'invalid_model_config',
        `${files}: '${CLIP_VISUAL_PROJECTION_KEY}' is [${shape.join(', ')}], not [projection_dim, ${tower.config.hiddenSize}]`,
        { path: tower.path, key: CLIP_VISUAL_PROJECTION_KEY },
      );
    }
    return width;
  } finally {
    await reader.close();
  }
}

/**
 * `image_embeds` [B, projectionDim] of the tower's last hidden state [B, 1 + patches, hidden]; `w`
 * holds `vision_model.post_layernorm.*` and `visual_projection.weight` at its root.
 * @example
 * const embeds = clipVisionImageEmbeds(b, root, hidden, { config, projectionDim: 1024 });
 */
export function clipVisionImageEmbeds(
  b: OnnxBuilder,
  w: WeightScope,
  lastHidden: Value<'float32'>,
  o: { readonly config: ClipVisionConfig; readonly projectionDim: number },
): Value<'float32'> {
  const c = o.config;
  const cls = b.op('Squeeze', [
    b.op('Slice', [lastHidden, b.constInt64([0]), b.constInt64([1]), b.constInt64([1])]),
    b.constInt64([1]),
  ]);
  const pooled = inScope(b, w, ['vision_model'], (vw) =>
    layerNorm(b, normWeights(vw, 'post_layernorm', c.hiddenSize), cls, {
      eps: c.layerNormEps,
      name: 'post_layernorm',
    }),
  );
  const weights = linearWeights(w, 'visual_projection', {
    inFeatures: c.hiddenSize,
    outFeatures: o.projectionDim,
    bias: false,
  });
  return linear(b, weights, pooled, { name: 'visual_projection' });
}
