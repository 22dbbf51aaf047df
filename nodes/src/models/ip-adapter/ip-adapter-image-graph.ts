/**
 * @module
 * The image side of ip-adapter-plus_sd15 as one graph: CLIP pixel values through the vision tower to
 * its penultimate hidden state (`hidden_states[-2]`, class token included, as IP-Adapter's
 * `get_image_embeds` reads it), then the adapter's `Resampler` to image-prompt tokens. The unguided
 * tokens are the same graph on zero pixel values (`torch.zeros_like(clip_image)`), so a caller batches
 * both. ip-adapter_sd15 reads the tower's projected `image_embeds` instead, which needs the projection
 * head of `CLIPVisionModelWithProjection`; it is refused here with that reason.
 */
import type { OnnxModel } from '@momaflow/engine';
import { OnnxBuilder as Builder, EngineError } from '@momaflow/engine';
import { type ClipVisionCheckpoint, clipVisionSelector, clipVisionTower, towerDepth } from '../clip-vision';
import { openHfWeights } from '../hf-checkpoint';
import { inScope, WeightMap, WeightScope } from '../ldm-config';
import { readIpAdapterProjection, resampler } from './image-projection-graph';
import type { IpAdapterFile } from './read-ip-adapter';

/** Graph input / output names. */
export const IP_ADAPTER_IMAGE_IO = {
  pixelValues: 'pixel_values',
  features: 'features',
  tokens: 'tokens',
} as const;

/** IP-Adapter plus reads the penultimate hidden state of the vision tower. */
const FEATURE_LAYER = -2;

/** The tower's tensors up to the feature layer. */
async function towerWeights(tower: ClipVisionCheckpoint): Promise<WeightMap> {
  const depth = towerDepth(tower.config, FEATURE_LAYER);
  const keep = (key: string) => {
    const layer = /^vision_model\.encoder\.layers\.(\d+)\./.exec(key);
    return layer === null
      ? key.startsWith('vision_model.') && !key.includes('post_layernorm')
      : Number(layer[1]) < depth;
  };
  const reader = await openHfWeights(tower.weights);
  try {
    return await WeightMap.load(reader, clipVisionSelector(keep));
  } finally {
    await reader.close();
  }
}

/**
 * `pixel_values` [N, C, S, S] -> `features` [N, 1 + patches, hidden] (the tower's penultimate hidden
 * state) and `tokens` [N, tokens, tokenDim].
 * @throws EngineError `ip_adapter_unsupported` for an `ImageProjModel` adapter, `ip_adapter_mismatch`
 *   when the resampler reads another width than the tower gives (both naming the files).
 * @example
 * const model = await buildIpAdapterImageGraph(await readIpAdapter(path), await loadClipVision(towerPath));
 */
export async function buildIpAdapterImageGraph(
  file: IpAdapterFile,
  tower: ClipVisionCheckpoint,
): Promise<OnnxModel> {
  const p = file.projection;
  if (p.kind !== 'resampler') {
    throw new EngineError(
      'ip_adapter_unsupported',
      `${file.path} projects the vision tower's image_embeds (ip-adapter_sd15 style), which needs the tower's projection head; only Resampler adapters (ip-adapter-plus_sd15) are supported`,
      { path: file.path },
    );
  }
  const c = tower.config;
  if (p.inFeatures !== c.hiddenSize) {
    throw new EngineError(
      'ip_adapter_mismatch',
      `${file.path} reads ${p.inFeatures}-wide image features; the vision tower ${tower.path} gives ${c.hiddenSize}`,
      { path: file.path },
    );
  }
  const [vision, projection] = [await towerWeights(tower), await readIpAdapterProjection(file)];
  const b = Builder.create({ name: 'ip_adapter_image' });
  const io = IP_ADAPTER_IMAGE_IO;
  const pixels = b.input(io.pixelValues, 'float32', ['batch', c.numChannels, c.imageSize, c.imageSize]);
  const hidden = inScope(b, new WeightScope(vision), ['vision_model'], (w) =>
    clipVisionTower(b, w, pixels, { config: c, featureLayer: FEATURE_LAYER }),
  );
  b.output(hidden, io.features, ['batch', (c.imageSize / c.patchSize) ** 2 + 1, c.hiddenSize]);
  const tokens = inScope(b, new WeightScope(projection), ['image_proj'], (w) => resampler(b, w, hidden, p));
  b.output(tokens, io.tokens, ['batch', p.tokens, file.tokenDim]);
  return b.build();
}
