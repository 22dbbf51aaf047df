/**
 * @module
 * The image half of LLaVA as one graph: CLIP vision tower up to the configured hidden state, the
 * class token dropped (`patch`), then the projector (Linear, exact GELU, Linear for `mlp2x_gelu`)
 * into the language model's width. Outputs both the tower features and the projected ones.
 */
import type { OnnxModel, Value } from '@momaflow/engine';
import { type ExternalDataWriter, gelu, linear, OnnxBuilder } from '@momaflow/engine';
import { type ClipVisionConfig, clipVisionTower } from '../clip-vision';
import { inScope, linearWeights, type WeightMap, WeightScope } from '../ldm-config';
import type { LlavaConfig } from './llava-config';
import type { LlavaQuantization } from './llava-quantization';

/**
 * Graph input / output names.
 * @example
 * await session.run({ [LLAVA_VISION_IO.pixelValues]: pixels });
 */
export const LLAVA_VISION_IO = {
  pixelValues: 'pixel_values',
  visionFeatures: 'vision_features',
  imageFeatures: 'image_features',
} as const;

/** Inputs of `buildLlavaVisionGraph`. */
export interface LlavaVisionGraphOptions {
  readonly llava: LlavaConfig;
  readonly tower: ClipVisionConfig;
  /** `vision_model.*` tensors. */
  readonly towerWeights: WeightMap;
  /** `model.mm_projector.*` tensors. */
  readonly projectorWeights: WeightMap;
  readonly quantization: LlavaQuantization;
  readonly externalData?: ExternalDataWriter;
}

function project(
  b: OnnxBuilder,
  w: WeightScope,
  x: Value<'float32'>,
  o: LlavaVisionGraphOptions,
): Value<'float32'> {
  const hidden = o.llava.llama.hiddenSize;
  const width = o.tower.hiddenSize;
  if (o.llava.projector === 'linear') {
    return linear(b, linearWeights(w, 'mm_projector', { inFeatures: width, outFeatures: hidden }), x, {
      name: 'mm_projector',
    });
  }
  return b.scope('mm_projector', () => {
    const first = linear(
      b,
      linearWeights(w.at('mm_projector'), '0', { inFeatures: width, outFeatures: hidden }),
      x,
      {
        name: '0',
      },
    );
    return linear(
      b,
      linearWeights(w.at('mm_projector'), '2', { inFeatures: hidden, outFeatures: hidden }),
      gelu(b, first),
      {
        name: '2',
      },
    );
  });
}

/**
 * `pixel_values` [1, C, S, S] -> `vision_features` [1, P, width], `image_features` [1, P, hidden].
 * @throws EngineError `weight_missing` / `weight_shape_mismatch` naming the key and file.
 * @example
 * const model = buildLlavaVisionGraph({ llava, tower, towerWeights, projectorWeights, quantization });
 */
export function buildLlavaVisionGraph(o: LlavaVisionGraphOptions): OnnxModel {
  const t = o.tower;
  const b = OnnxBuilder.create({
    name: 'llava_vision',
    ...(o.externalData ? { externalData: o.externalData } : {}),
  });
  const pixels = b.input(LLAVA_VISION_IO.pixelValues, 'float32', [
    1,
    t.numChannels,
    t.imageSize,
    t.imageSize,
  ]);
  const hidden = inScope(b, new WeightScope(o.towerWeights), ['vision_model'], (w) =>
    clipVisionTower(b, w, pixels, {
      config: t,
      featureLayer: o.llava.visionFeatureLayer,
      quantization: o.quantization.vision,
    }),
  );
  const features =
    o.llava.visionSelect === 'patch'
      ? b.op('Slice', [hidden, b.constInt64([1]), b.constInt64([2 ** 62]), b.constInt64([1])])
      : hidden;
  const tokens = (t.imageSize / t.patchSize) ** 2 + (o.llava.visionSelect === 'patch' ? 0 : 1);
  b.output(features, LLAVA_VISION_IO.visionFeatures, [1, tokens, t.hiddenSize]);
  const projected = inScope(b, new WeightScope(o.projectorWeights), ['model'], (w) =>
    project(b, w, features, o),
  );
  b.output(projected, LLAVA_VISION_IO.imageFeatures, [1, tokens, o.llava.llama.hiddenSize]);
  return b.build();
}
